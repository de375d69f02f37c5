"""HTML routes of production: Today, Production (a period, with CSV export), Progress, the working-day calendar."""

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.db import SessionDep
from app.core.errors import NotFound
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.core.typed import Typed
from app.fleet import service as fleet
from app.fleet.api import server_version, thresholds
from app.navigation import N_
from app.production import charts
from app.production.calendar import calendar_for, coverage, delete_override, list_overrides, set_override
from app.production.period import operator_detail, production_csv, production_report
from app.production.progress import progress_report
from app.production.service import MAX_PERIOD_DAYS, today_board
from app.projects.dependencies import CurrentProject, ProjectOperator
from app.wording import label

router = APIRouter(include_in_schema=False)

TodayViewer = Annotated[WebPrincipal, Depends(require(Perm.view_production, Perm.view_own_production))]
ProductionViewer = Annotated[WebPrincipal, Depends(require(Perm.view_production, Perm.view_own_production))]
ProgressViewer = Annotated[WebPrincipal, Depends(require(Perm.view_production))]
CalendarViewer = Annotated[WebPrincipal, Depends(require(Perm.view_production, Perm.manage_settings))]
CalendarEditor = Annotated[WebPrincipal, Depends(require(Perm.manage_settings))]

REFRESH_SECONDS = 30


def _gettext(request: Request):  # noqa: ANN202
    return translations(request_language(request)).gettext


def _only(principal: WebPrincipal) -> int | None:
    """Users who may see only their own production get only their own lines."""
    return None if allowed(principal.role, Perm.view_production) else principal.user_id


def _actor(request: Request, principal: WebPrincipal) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


@router.get("/today")
def today(request: Request, session: SessionDep, project: CurrentProject, principal: TodayViewer):
    """Today's production per operator and per station: good pages against the quota, re-shoots, last shot."""
    now = utcnow()
    day = local_date(now, project.timezone)
    board = today_board(session, project, day, calendar_for(session, project), only_user_id=_only(principal))
    fleet_ok = allowed(principal.role, Perm.manage_records) or allowed(principal.role, Perm.manage_stations)
    stations_in_trouble = (
        fleet.stations_in_trouble(
            fleet.fleet(session, project, now=now, server_version=server_version(), limits=thresholds())
        )
        if allowed(principal.role, Perm.manage_records) or allowed(principal.role, Perm.manage_stations)
        else 0
    )
    return render(
        request,
        "production/today.html",
        {
            "project": project,
            "day": day,
            "as_of": now,
            "board": board,
            "totals": board.totals,
            "refresh_seconds": REFRESH_SECONDS,
            "stations_in_trouble": stations_in_trouble,
            "can_see_fleet": fleet_ok,
            "can_set_rates": allowed(principal.role, Perm.set_inspection_rates),
        },
    )


def _period(start: str | None, end: str | None, today: date) -> tuple[date, date, dict[str, str]]:
    """The period asked for (default: the last 30 days), and msgids of errors per field."""
    errors: dict[str, str] = {}
    values: dict[str, date] = {}
    for name, raw, default in (("start", start, today - timedelta(days=29)), ("end", end, today)):
        try:
            values[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = N_("Enter a date as YYYY-MM-DD.")
            values[name] = default
    first, last = values["start"], values["end"]
    if not errors and last < first:
        errors["end"] = N_("The end date lies before the start date.")
        first, last = last, first
    if not errors and (last - first).days + 1 > MAX_PERIOD_DAYS:
        errors["end"] = N_("Choose a period of at most five years.")
        last = first + timedelta(days=MAX_PERIOD_DAYS - 1)
    return first, last, errors


@router.get("/production")
def production(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: ProductionViewer,
    start: str | None = None,
    end: str | None = None,
):
    """A period's production: daily totals chart, operators' averages against the quota, re-shoot rates."""
    today_ = local_date(utcnow(), project.timezone)
    first, last, errors = _period(start, end, today_)
    calendar = calendar_for(session, project)
    report = production_report(session, project, first, last, calendar, only_user_id=_only(principal))
    _ = _gettext(request)
    grain, bars = charts.bin_days(
        [
            (d.day, d.good_pages, d.working, d.operators_on_duty * report.quota if d.working else None)
            for d in report.days
        ]
    )
    grain_words = {"day": _("per day"), "week": _("per week"), "month": _("per month")}
    chart = charts.bar_chart(
        bars,
        title=_("Good pages %(grain)s, %(first)s to %(last)s")
        % {"grain": grain_words[grain], "first": first.isoformat(), "last": last.isoformat()},
        desc=_("Total %(n)s good pages over %(days)s working days.")
        % {"n": f"{report.team.good_pages:,}", "days": report.working_days},
        legend_value=_("Good pages"),
        legend_day_off=_("Day off"),
        legend_reference=_("Quota of the operators on duty") if grain == "day" else None,
    )
    presets = {
        "7": (today_ - timedelta(days=6), today_),
        "30": (today_ - timedelta(days=29), today_),
        "month": (today_.replace(day=1), today_),
        "all": (project.start_date, today_),
    }
    return render(
        request,
        "production/production.html",
        {
            "project": project,
            "report": report,
            "chart": chart,
            "first": first,
            "last": last,
            "start_raw": start if "start" in errors else first.isoformat(),
            "end_raw": end if "end" in errors else last.isoformat(),
            "errors": errors,
            "presets": presets,
            "own_only": _only(principal) is not None,
        },
        status_code=422 if errors else 200,
    )


@router.get("/production/operators/{user_id}")
def production_operator(
    principal: ProductionViewer,  # first: a role without the permission is refused before any lookup
    operator: ProjectOperator,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    start: str | None = None,
    end: str | None = None,
):
    """One operator's days in a period: good pages against the quota, and the running average."""
    user_id = operator.id
    only = _only(principal)
    if only is not None and only != user_id:
        # Someone who may see only their own figures learns nothing about other operators, not even that they exist.
        raise NotFound(f"operator {user_id} not found", code="operator_not_found")
    first, last, errors = _period(start, end, local_date(utcnow(), project.timezone))
    calendar = calendar_for(session, project)
    detail = operator_detail(session, project, user_id, first, last, calendar)
    _ = _gettext(request)
    bars = [
        charts.Bar(line.figures.day, line.figures.day, line.figures.good_pages, line.quota.status.value != "day_off",
                   project.daily_quota if line.quota.status.value != "day_off" else None)
        for line in detail.lines
    ]  # fmt: skip
    chart = charts.bar_chart(
        bars,
        title=_("Good pages of %(name)s per day worked") % {"name": detail.name},
        desc=_("%(n)s days worked.") % {"n": len(bars)},
        legend_value=_("Good pages"),
        legend_day_off=_("Day off"),
        legend_reference=_("Quota"),
        chart_id="operator-chart",
    )
    return render(
        request,
        "production/operator.html",
        {"project": project, "detail": detail, "chart": chart, "first": first, "last": last, "errors": errors},
        status_code=422 if errors else 200,
    )


# The working-day column of the CSV, in words (the quota status column uses the quota_status labels).
_CSV_WORDS = {"working_day": N_("a working day"), "day_off": N_("a day off")}


@router.get("/production/export.csv")
def production_export(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: ProductionViewer,
    start: str | None = None,
    end: str | None = None,
):
    """The period's production, one line per operator and day, as CSV (UTF-8 with BOM)."""
    first, last, _errors = _period(start, end, local_date(utcnow(), project.timezone))
    calendar = calendar_for(session, project)
    report = production_report(session, project, first, last, calendar, only_user_id=_only(principal))
    _ = _gettext(request)
    header = [
        _("Date"),
        _("Working day"),
        _("Operator"),
        _("Good pages"),
        _("Quota"),
        _("Quota status"),
        _("Shortfall"),
        _("Uploads"),
        _("Failed QC"),
        _("Re-shoots"),
    ]
    name = f"production-{project.code}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(
        production_csv(
            report, calendar, header, words=lambda code: _(_CSV_WORDS.get(code) or label("quota_status", code))
        ).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


@router.get("/progress")
def progress(request: Request, session: SessionDep, project: CurrentProject, principal: ProgressViewer):
    """Progress toward the target: burn-up chart, required daily pace, forecast finish date."""
    today_ = local_date(utcnow(), project.timezone)
    report = progress_report(session, project, today_, calendar_for(session, project))
    _ = _gettext(request)
    fc = report.forecast
    chart = charts.burn_up_chart(
        report.series,
        start=project.start_date,
        end=project.end_date,
        target=project.target_pages,
        today=today_,
        forecast_finish=fc.finish_date,
        title=_("Cumulative good pages against the plan"),
        desc=_("%(done)s of %(target)s good pages by %(today)s.")
        % {"done": f"{report.progress.done:,}", "target": f"{report.target:,}", "today": today_.isoformat()},
        legend_actual=_("Good pages so far"),
        legend_plan=_("Straight line to the target"),
        legend_forecast=_("Forecast at the recent pace"),
        label_today=_("Today"),
        label_end=_("End date"),
    )
    return render(request, "production/progress.html", {"project": project, "report": report, "chart": chart})


@router.get("/calendar")
def calendar_page(request: Request, session: SessionDep, project: CurrentProject, principal: CalendarViewer):
    """The project's working-day calendar: years the official data covers, and the project's own entries."""
    rows = list_overrides(session, project.id)
    return render(
        request,
        "production/calendar.html",
        {
            "project": project,
            "overrides": rows,
            "coverage": coverage(project, {r.calendar_date: r.is_working_day for r in rows}),
            "can_edit": allowed(principal.role, Perm.manage_settings),
            "errors": {},
            "form": {},
        },
    )


@router.post("/calendar", dependencies=[CsrfChecked])
def calendar_add(
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: CalendarEditor,
    calendar_date: Annotated[Typed, Form(max_length=40)] = "",
    kind: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=200)] = "",
):
    """Enter one day as a working day or a day off for the project (wins over the official calendar)."""
    errors: dict[str, str] = {}
    try:
        day = date.fromisoformat(calendar_date)
    except ValueError:
        errors["calendar_date"] = N_("Enter a date as YYYY-MM-DD.")
    if kind not in ("working", "off"):
        errors["kind"] = N_("Choose working day or day off.")
    if errors:
        rows = list_overrides(session, project.id)
        return render(
            request,
            "production/calendar.html",
            {
                "project": project,
                "overrides": rows,
                "coverage": coverage(project, {r.calendar_date: r.is_working_day for r in rows}),
                "can_edit": True,
                "errors": errors,
                "form": {"calendar_date": calendar_date, "kind": kind, "note": note},
            },
            status_code=422,
        )
    set_override(session, project, day=day, working=kind == "working", note=note, actor=_actor(request, principal))
    _ = _gettext(request)
    return redirect("/calendar", flash=_("Saved: %(day)s.") % {"day": day.isoformat()})


@router.post("/calendar/{override_id}/delete", dependencies=[CsrfChecked])
def calendar_delete(
    override_id: int, request: Request, session: SessionDep, project: CurrentProject, principal: CalendarEditor
):
    """Remove a project entry: the official calendar applies to that day again."""
    day = delete_override(session, project, override_id=override_id, actor=_actor(request, principal))
    _ = _gettext(request)
    return redirect("/calendar", flash=_("Removed: %(day)s.") % {"day": day.isoformat()})
