"""customer privacy: each comment's keyed customer hash, and the service's generated secrets

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 09:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("comments") as batch:  # SQLite rebuilds the table for an ALTER
        batch.add_column(sa.Column("customer_hash", sa.String(length=64), nullable=True))
        batch.create_index("ix_comments_customer_hash", ["customer_hash"])
    op.create_table(
        "secrets",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("secrets")
    with op.batch_alter_table("comments") as batch:
        batch.drop_index("ix_comments_customer_hash")
        batch.drop_column("customer_hash")
