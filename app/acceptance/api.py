"""JSON routes of acceptance under /api/v1/lots, for scripts of signed-in users (writes need X-CSRF-Token)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.acceptance.applying import apply_for_acceptance, reapply
from app.acceptance.deciding import decide_lot, figures, operating_table, progress
from app.acceptance.review import check_record, get_item, judge_item
from app.acceptance.schemas import (
    FiguresPublic,
    LotApply,
    LotDetail,
    LotPublic,
    RecordCheckIn,
    RoundPublic,
    SampleItemPublic,
    SeedFix,
    Verdict,
    VerificationPublic,
)
from app.acceptance.screens import sample_rows
from app.acceptance.seeding import fix_seed, verify_round
from app.acceptance.service import Actor, current_round, effective_status, get_lot, get_round, list_lots, rounds_of
from app.accounts.dependencies import require, web_session_principal
from app.accounts.exceptions import CsrfFailed
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.db import SessionDep
from app.core.security import same
from app.projects.dependencies import CurrentProject

router = APIRouter(prefix="/api/v1/lots", tags=["acceptance"])


def csrf_header(request: Request, principal: Annotated[WebPrincipal, Depends(web_session_principal)]) -> None:
    """A write through the API carries the session's CSRF token (given in X-CSRF-Token of every GET here)."""
    sent = request.headers.get("X-CSRF-Token")
    if not sent or not same(sent, principal.csrf_token):
        raise CsrfFailed("send the session's CSRF token in the X-CSRF-Token header")


LotReader = Annotated[WebPrincipal, Depends(require(Perm.manage_lots, Perm.review_samples))]
Manager = Annotated[WebPrincipal, Depends(require(Perm.manage_lots))]
Reviewer = Annotated[WebPrincipal, Depends(require(Perm.review_samples))]
CsrfHeader = Depends(csrf_header)


def _actor(principal: WebPrincipal, request: Request) -> Actor:
    return Actor(principal.user_id, principal.role, request.client.host if request.client else None)


def _lot_public(lot, today) -> dict:  # noqa: ANN001
    return {**lot.model_dump(), "status": effective_status(lot, today), "stored_status": lot.status}


def _detail(session, lot, today) -> LotDetail:  # noqa: ANN001
    rounds = [RoundPublic.model_validate(r, from_attributes=True) for r in rounds_of(session, lot)]
    return LotDetail(**_lot_public(lot, today), rounds=rounds)


@router.get("", response_model=list[LotPublic])
def lots(response: Response, principal: LotReader, session: SessionDep, project: CurrentProject):
    """The project's lots, newest first, with their status as of today."""
    response.headers["X-CSRF-Token"] = principal.csrf_token
    today = local_date(utcnow(), project.timezone)
    return [LotPublic(**_lot_public(lot, today)) for lot in list_lots(session, project.id)]


@router.post("", response_model=LotDetail, status_code=201, dependencies=[CsrfHeader])
def apply(body: LotApply, request: Request, principal: Manager, session: SessionDep, project: CurrentProject):
    """Apply for acceptance: freeze the lot's manifest (vendor manager)."""
    today = local_date(utcnow(), project.timezone)
    lot = apply_for_acceptance(
        session,
        project,
        period_end=body.period_end or today,
        kind=body.kind,
        actor=_actor(principal, request),
        today=today,
        now=utcnow(),
    )
    return _detail(session, lot, today)


@router.get("/{lot_id}", response_model=LotDetail)
def lot(lot_id: int, response: Response, principal: LotReader, session: SessionDep, project: CurrentProject):
    """A lot with its rounds."""
    response.headers["X-CSRF-Token"] = principal.csrf_token
    return _detail(session, get_lot(session, project.id, lot_id), local_date(utcnow(), project.timezone))


@router.post("/{lot_id}/seed", response_model=LotDetail, dependencies=[CsrfHeader])
def seed(
    lot_id: int, body: SeedFix, request: Request, principal: Reviewer, session: SessionDep, project: CurrentProject
):
    """Fix the seed and draw the sample (hospital reviewer)."""
    today = local_date(utcnow(), project.timezone)
    lot = get_lot(session, project.id, lot_id)
    fix_seed(session, lot, body.seed, actor=_actor(principal, request), today=today, now=utcnow())
    return _detail(session, lot, today)


@router.get("/{lot_id}/rounds/{number}/sample", response_model=list[SampleItemPublic])
def sample(lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject):
    """The round's sampled pages and verdicts, in capture order."""
    rnd = get_round(session, get_lot(session, project.id, lot_id), number)
    return [
        SampleItemPublic(
            id=s.item_id,
            position=s.position,
            third=s.third,
            page_id=s.page_id,
            image_id=s.image_id,
            record_id=s.record_id,
            mrn=s.mrn,
            visit=s.visit,
            page_number=s.page_number,
            verdict=s.verdict,
            defects=s.defects,
            note=s.note,
        )
        for s in sample_rows(session, rnd)
    ]


@router.get("/{lot_id}/rounds/{number}/figures", response_model=FiguresPublic)
def round_figures(lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject):
    """The round's progress and, once complete, pass rate, field error rate, interval and OC table."""
    rnd = get_round(session, get_lot(session, project.id, lot_id), number)
    done = progress(session, rnd)
    out = FiguresPublic(
        items=done.items,
        judged=done.judged,
        failed=done.failed,
        records=done.records,
        checked=done.checked,
        complete=done.complete,
        operating_characteristic=operating_table(rnd),
    )
    result = figures(session, rnd)
    if result is not None:
        out.accepted = result.decision.accepted
        out.pass_rate = result.decision.pass_rate
        out.field_error_rate = result.decision.field_error_rate
        out.interval_low, out.interval_high = result.interval.low, result.interval.high
    return out


@router.get("/{lot_id}/rounds/{number}/verify", response_model=VerificationPublic)
def verify(lot_id: int, number: int, principal: LotReader, session: SessionDep, project: CurrentProject):
    """Recompute the manifest hash and the draw, and say whether they match what is stored."""
    lot = get_lot(session, project.id, lot_id)
    v = verify_round(session, lot, get_round(session, lot, number))
    return VerificationPublic(
        lot=v.lot_number,
        round=v.round_number,
        ok=v.ok,
        manifest_hash_ok=v.manifest_hash_ok,
        sample_ok=v.sample_ok,
        stored_hash=v.stored_hash,
        recomputed_hash=v.recomputed_hash,
        sample_size=v.sample_size,
    )


@router.post("/{lot_id}/items/{item_id}", response_model=SampleItemPublic, dependencies=[CsrfHeader])
def verdict(
    lot_id: int,
    item_id: int,
    body: Verdict,
    request: Request,
    principal: Reviewer,
    session: SessionDep,
    project: CurrentProject,
):
    """Pass or fail a sampled page of the current round."""
    lot = get_lot(session, project.id, lot_id)
    rnd = current_round(session, lot)
    item = judge_item(
        session,
        lot,
        rnd,
        get_item(session, rnd, item_id),
        verdict=body.verdict,
        defects=body.defects,
        note=body.note,
        actor=_actor(principal, request),
        today=local_date(utcnow(), project.timezone),
        now=utcnow(),
    )
    row = next(s for s in sample_rows(session, rnd) if s.item_id == item.id)
    return SampleItemPublic(
        id=item.id,
        position=row.position,
        third=row.third,
        page_id=row.page_id,
        image_id=row.image_id,
        record_id=row.record_id,
        mrn=row.mrn,
        visit=row.visit,
        page_number=row.page_number,
        verdict=row.verdict,
        defects=row.defects,
        note=row.note,
    )


@router.post("/{lot_id}/records/{record_id}", status_code=204, dependencies=[CsrfHeader])
def record_check(
    lot_id: int,
    record_id: int,
    body: RecordCheckIn,
    request: Request,
    principal: Reviewer,
    session: SessionDep,
    project: CurrentProject,
) -> Response:
    """Record a sampled record's five front-page fields and paper page count."""
    lot = get_lot(session, project.id, lot_id)
    check_record(
        session,
        lot,
        current_round(session, lot),
        record_id,
        fields_ok=body.model_dump(include={"name_ok", "mrn_ok", "discharge_date_ok", "diagnosis_ok", "operation_ok"}),
        paper_pages=body.paper_pages,
        note=body.note,
        actor=_actor(principal, request),
        today=local_date(utcnow(), project.timezone),
        now=utcnow(),
    )
    return Response(status_code=204)


@router.post("/{lot_id}/decision", response_model=LotDetail, dependencies=[CsrfHeader])
def decision(lot_id: int, request: Request, principal: Reviewer, session: SessionDep, project: CurrentProject):
    """Record the decision the complete review gives (accepted, or rejected with a correction period)."""
    today = local_date(utcnow(), project.timezone)
    lot = get_lot(session, project.id, lot_id)
    decide_lot(session, lot, project, actor=_actor(principal, request), today=today, now=utcnow())
    return _detail(session, lot, today)


@router.post("/{lot_id}/reapply", response_model=LotDetail, dependencies=[CsrfHeader])
def reapply_lot(lot_id: int, request: Request, principal: Manager, session: SessionDep, project: CurrentProject):
    """After correcting a rejected lot: freeze it again for a new round (vendor manager)."""
    today = local_date(utcnow(), project.timezone)
    lot = get_lot(session, project.id, lot_id)
    reapply(session, lot, project, actor=_actor(principal, request), today=today, now=utcnow())
    return _detail(session, lot, today)
