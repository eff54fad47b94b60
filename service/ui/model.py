"""The model page: the bundle in service, its card and metrics, and the taxonomies known with
their checks (each finding's advice in the reader's language)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from models.taxonomy import Taxonomy
from models.taxonomy_check import MIN_EXAMPLES, Finding, TaxonomyCheck
from service.auth.guard import PAGE
from service.deps import StateDep
from service.domain.model_info import model_info
from service.domain.taxonomy_check import check_with_stored
from service.ui.i18n import ENGLISH, N_, UiLocale, locale_of, names_of
from service.ui.render import markdown, page

router = APIRouter(prefix="/ui", include_in_schema=False, dependencies=[PAGE])

# Each kind of finding of models/taxonomy_check.py, worded for the page; the English page shows
# the check's own words.
ADVICE = {
    "empty_stage": N_(
        "stage %(stage)s has no touchpoint, so no comment can land in it: add the touchpoints customers "
        "meet there, or drop the stage"
    ),
    "few_examples": N_(
        "%(first)s has %(count)s example phrase(s): add at least %(least)s, written the way customers say it"
    ),
    "close_pair": N_(
        "the encoder reads %(first)s and %(second)s as one subject (%(share)s of their example phrases read "
        "as the other one): say in each description what sets them apart, with example phrases for the "
        "difference, or merge them"
    ),
    "toss_up": N_(
        "%(share)s of the sample is a toss-up between %(first)s and %(second)s: add example phrases on "
        "each side of the line between them"
    ),
    "never_wins": N_(
        "%(first)s is the best match for none of the sample: check that its description uses the words "
        "customers use, or drop it"
    ),
    "dominant": N_(
        "%(first)s takes %(share)s of the comments that name a touchpoint: narrow its description, or split "
        "it into the subjects it covers"
    ),
    "nothing_fits": N_(
        "%(share)s of the sample fits no touchpoint: the taxonomy misses what these customers write about "
        "(see the pain clusters), or the comments carry no subject"
    ),
}


@dataclass(frozen=True)
class CheckShown:
    check: TaxonomyCheck
    names: dict[str, str]  # its stage and touchpoint ids -> names in the reader's language
    findings: list[tuple[Finding, str]]  # with the advice as the page words it


def advice(finding: Finding, names: dict[str, str], loc: UiLocale) -> str:
    if loc is ENGLISH:
        return finding.advice
    kind = "toss_up" if finding.kind == "close_pair" and "toss-up" in finding.advice else finding.kind
    if kind not in ADVICE:
        return finding.advice
    named = [f"“{names.get(t, t)}”" for t in finding.touchpoints] + ["", ""]
    return loc.gettext(
        ADVICE[kind],
        stage=f"“{names.get(finding.stage or '', finding.stage)}”",
        first=named[0],
        second=named[1],
        count=loc.number(int(finding.value)),
        least=MIN_EXAMPLES,
        share=loc.percent(finding.value),
    )


def shown(check: TaxonomyCheck, taxonomy: Taxonomy, loc: UiLocale) -> CheckShown:
    names = names_of(taxonomy, loc)
    return CheckShown(check, names, [(f, advice(f, names, loc)) for f in check.findings])


@router.get("/model", response_class=HTMLResponse)
def model_page(request: Request, state: StateDep) -> HTMLResponse:
    loc = locale_of(request)
    info = model_info(state.analyzer, state.sessions)
    bundle = info.bundle or {}
    return page(
        request,
        "model.html",
        "model",
        loc.gettext("Model"),
        info=info,
        bundle=bundle,
        validation=(bundle.get("metrics") or {}).get("validation", {}),
        card=markdown(info.card) if info.card else None,
        redaction=sorted(state.analyzer.redactor.kinds) if state.analyzer.redactor else [],
        taxonomies=sorted(
            ((t.name, origin, len(t.stages), len(t.touchpoints)) for t, origin in state.taxonomies.items()),
        ),
        default_taxonomy=state.taxonomies.get(None).name,
        checks=[
            shown(
                check_with_stored(state.analyzer, t, state.sessions, state.settings.taxonomy_check_sample),
                t,
                loc,
            )
            for t, _origin in sorted(state.taxonomies.items(), key=lambda item: item[0].name)
            if state.analyzer.is_ready(t)
        ],
        settings=state.settings,
    )
