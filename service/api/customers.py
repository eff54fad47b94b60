"""DELETE /v1/customers/{id}: erase every comment of one customer (right to erasure)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from service.api.errors import refusals
from service.auth.guard import ADMIN
from service.deps import SessionDep, StateDep
from service.domain.privacy import customer_hash
from service.schemas import CustomerErasure
from service.store.customers import erase_customer

router = APIRouter(prefix="/v1", tags=["customers"])


@router.delete(
    "/customers/{customer_id:path}",
    dependencies=[ADMIN],
    response_model=CustomerErasure,
    # a path with a line break matches no route: such an id is refused at ingest, so none is stored
    responses=refusals(404, e404="the id holds a line break, which no stored customer id does"),
)
def erase(
    customer_id: Annotated[str, Path(min_length=1, max_length=200, description="the id sent as customer_id")],
    session: SessionDep,
    state: StateDep,
) -> CustomerErasure:
    """Delete every stored comment sent with this `customer_id`, with their mentions and
    corrections, in one transaction. Idempotent: a customer with nothing stored answers
    `deleted: 0`. (`:path`: ids that contain a slash work too.)"""
    deleted = erase_customer(session, customer_hash(state.customer_key, customer_id))
    session.commit()
    return CustomerErasure(customer=customer_id, deleted=deleted)
