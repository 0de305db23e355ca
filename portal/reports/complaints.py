"""The complaints figures of a period, as SQL aggregates: the annual complaints performance
report counts a financial year, the termly update a school term.

A period is anything with ``starts_at``/``ends_at`` (UTC instants: London midnight at its start,
and just after its end), ``starts_on``/``ends_on`` (its first and last London day) and a
``label``: a periods.FinancialYear or a terms.Term.

Every figure is a COUNT over the whole period in the database: no case is loaded into Python,
and the report costs the same fixed number of queries however many years of cases there are.
Only counts, category names, learning theme names and fixed labels leave this module: never a
name, an email, a child's school or anything a family or caseworker wrote.

How each thing is counted (the report page says the same in words):

- A thing is counted in the period it happened, by UK time: complaints by the date received,
  stage 2 reviews by the date the family asked, acknowledgements, responses, outcomes and
  extensions by the date they were made. A complaint received in March and answered in April
  is received in one year and answered in the next (and the same goes for terms).
- Complaints taken out of the procedure (marked as not a complaint) are counted, with the
  reason recorded, by the date they were received, and are left out of the timescales.
- On time: an acknowledgement or response is on time if it was sent on or before the deadline
  day, in UK time. The response deadline is the one that applied, including any extension.
- Still open: a case waiting for an acknowledgement or a response is not counted as late until
  its deadline has passed. Those past their deadline at the end of the period (or today, for the
  period in progress) are counted separately, as "waiting past the deadline".

Where the data comes from. A case holds the clocks of its current stage (acknowledge_by,
acknowledged_at, respond_by, responded_at, extension_used). When a family asks for stage 2
those columns start again, so stage 1 of an escalated complaint is read from the history the
clocks keep: the acknowledgement deadline and the response deadline (the latest of each
DeadlineChange at stage 1), the moment of acknowledgement (the first response deadline set at
stage 1, which is set as it is acknowledged), whether it was extended (a response deadline
moved from an earlier date) and the response (the stage 1 CaseOutcome).

Dates and the database. "Sent on or before the deadline day in UK time" compares a timestamp
with a date. Rather than use a database's own date functions (SQLite and PostgreSQL differ),
the query joins a small calendar built in Python: each day of the period and the moment, in UTC,
that day ends in London. Every other comparison is against dates and times computed here.
"""

import functools
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

import sqlalchemy as sa

from portal.casework.clocks import ACKNOWLEDGE, RESPOND
from portal.casework.models import CaseOutcome, DeadlineChange, OmbudsmanReferral, Remedy, outcome_theme
from portal.casework.services import NOT_COMPLAINT_REASONS
from portal.core import kept_figures, procedures
from portal.core.complaint_code import ACKNOWLEDGE_DAYS, MAX_EXTENSION_DAYS, STAGE_1, STAGE_2, STAGE_LABELS, STAGES
from portal.core.time import LONDON, london_midnight, utcnow
from portal.extensions import db
from portal.feedback.models import COMPLAINT, KIND_PLURALS, Case, Category
from portal.themes.models import LearningTheme

KINDS = KIND_PLURALS  # every kind of feedback, in the order shown
OTHER_KINDS = {kind: label for kind, label in KINDS.items() if kind != COMPLAINT}

# Where triage at intake pointed a family (they could still go on to complain).
TRIAGE_ROUTES = {
    "tribunal": "An appeal to the SEND Tribunal (mediation advice first)",
    "health": "The NHS complaints procedure",
    "school": "The school's or college's own complaints procedure",
}
NO_CATEGORY = "No category given"


class Period(Protocol):
    """What the queries need to know about the period they count: a FinancialYear or a Term."""

    @property
    def starts_at(self) -> datetime: ...

    @property
    def ends_at(self) -> datetime: ...

    @property
    def starts_on(self) -> date: ...

    @property
    def ends_on(self) -> date: ...

    @property
    def label(self) -> str: ...


def percent(part: int, whole: int) -> int | None:
    """A whole-number percentage, halves rounded up (2 of 3 is 67); None when there is no whole."""
    if not whole:
        return None
    return int((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Figure:
    """One labelled count, with its share of a total where that means something."""

    label: str
    value: int
    share: int | None = None


@dataclass(frozen=True)
class CategoryVolume:
    name: str
    received: int
    stage2: int
    # Where the intake lists the category (None: no category given), to order the report by.
    position: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class StageTimescales:
    stage: int
    acknowledged: int = 0
    acknowledged_on_time: int = 0
    acknowledged_no_deadline: int = 0
    responded: int = 0
    responded_on_time: int = 0
    responded_no_deadline: int = 0
    responded_after_extension: int = 0
    responded_after_extension_on_time: int = 0
    waiting_acknowledgement_overdue: int = 0
    waiting_response_overdue: int = 0

    @property
    def acknowledged_late(self) -> int:
        return self.acknowledged - self.acknowledged_on_time - self.acknowledged_no_deadline

    @property
    def responded_late(self) -> int:
        return self.responded - self.responded_on_time - self.responded_no_deadline

    @property
    def acknowledged_on_time_percent(self) -> int | None:
        return percent(self.acknowledged_on_time, self.acknowledged - self.acknowledged_no_deadline)

    @property
    def responded_on_time_percent(self) -> int | None:
        return percent(self.responded_on_time, self.responded - self.responded_no_deadline)

    @property
    def waiting_overdue(self) -> int:
        return self.waiting_acknowledgement_overdue + self.waiting_response_overdue


@dataclass
class ReplyTargetFigures:
    """Feedback of one kind that is not a complaint, against the reply target managers set for
    it: answered in the period (by a reply, a recorded response or closing it), and how many of
    those by the target date."""

    kind: str
    label: str
    answered: int = 0
    answered_on_time: int = 0
    answered_no_target: int = 0
    waiting_past_target: int = 0

    @property
    def answered_late(self) -> int:
        return self.answered - self.answered_on_time - self.answered_no_target

    @property
    def on_time_percent(self) -> int | None:
        return percent(self.answered_on_time, self.answered - self.answered_no_target)


@dataclass(frozen=True)
class RemedyFigure:
    kind: str
    label: str
    promised: int
    done: int


@dataclass
class StageFigures:
    name: str
    asked_for: int | None  # None for the first stage: complaints start there
    responses: int


@dataclass
class ProcedureFigures:
    """A procedure other than the Code, counted on its own with its own stages."""

    name: str
    citation: str
    received: int
    stages: list[StageFigures]


@dataclass
class ComplaintsReport:
    period: Period
    as_of: datetime  # the moment the figures describe: the end of the period, or now
    complaints_received: int = 0
    stage2_requested: int = 0
    categories: list[CategoryVolume] = field(default_factory=list)
    other_feedback: list[Figure] = field(default_factory=list)
    not_taken_on: list[Figure] = field(default_factory=list)
    signposted: list[Figure] = field(default_factory=list)
    outcomes: dict[int, list[Figure]] = field(default_factory=dict)
    outcomes_without_theme: int = 0
    timescales: dict[int, StageTimescales] = field(default_factory=dict)
    extensions: dict[int, int] = field(default_factory=dict)
    # Of those, the ones that took the stage past the Code's limit, each approved by a manager.
    extensions_beyond_limit: dict[int, int] = field(default_factory=dict)
    other_procedures: list[ProcedureFigures] = field(default_factory=list)
    reply_targets: list[ReplyTargetFigures] = field(default_factory=list)
    themes: list[Figure] = field(default_factory=list)
    remedies: list[RemedyFigure] = field(default_factory=list)
    ombudsman: list[Figure] = field(default_factory=list)

    @property
    def year(self) -> Period:
        """The annual report's name for its period."""
        return self.period

    @property
    def started(self) -> bool:
        """Whether the period has begun (a term still to come has no figures yet)."""
        return self.as_of > self.period.starts_at

    @property
    def complete(self) -> bool:
        """Whether the period has ended, so that its figures no longer change."""
        return self.as_of >= self.period.ends_at

    @property
    def as_of_day(self) -> date:
        """The day the figures run to (inclusive): the period's last day, or today."""
        return self.period.ends_on if self.complete else self.as_of.astimezone(LONDON).date()

    @property
    def not_taken_on_total(self) -> int:
        return sum(figure.value for figure in self.not_taken_on)

    def outcomes_total(self, stage: int) -> int:
        return sum(figure.value for figure in self.outcomes.get(stage, []))

    @property
    def stage2_final_responses(self) -> int:
        """Stage 2 responses sent: each ends with the Ombudsman's details."""
        return self.outcomes_total(2)

    @property
    def ombudsman_referrals(self) -> int:
        return sum(figure.value for figure in self.ombudsman)

    @property
    def policies_changed(self) -> RemedyFigure:
        return next(remedy for remedy in self.remedies if remedy.kind == Remedy.POLICY_CHANGED)

    def figures(self) -> list[tuple[str, str, str, int | str | None]]:
        """Every figure on the page as (section, measure, breakdown, value): the CSV's rows."""
        return [
            *self._volume_rows(),
            *self._outcome_rows(),
            *self._timescale_rows(),
            *self._extension_and_ombudsman_rows(),
            *self._learning_rows(),
            *self._other_procedure_rows(),
            *self._reply_target_rows(),
        ]

    def _reply_target_rows(self):
        """Other feedback against its reply target."""
        for kind in self.reply_targets:
            measure = f"{kind.label} answered"
            yield ("Reply targets", measure, "Answered", kind.answered)
            yield ("Reply targets", measure, "By the target date", kind.answered_on_time)
            yield ("Reply targets", measure, "Late", kind.answered_late)
            yield ("Reply targets", measure, "No target set", kind.answered_no_target)
            yield ("Reply targets", f"{measure} by the target date (%)", "", kind.on_time_percent)
            yield (
                "Reply targets",
                f"{kind.label} waiting past the target at the end of the period",
                "",
                kind.waiting_past_target,
            )

    def _other_procedure_rows(self):
        """Each other procedure's complaints, apart from the Code's."""
        for procedure in self.other_procedures:
            yield (procedure.name, "Complaints received", "", procedure.received)
            for stage in procedure.stages:
                if stage.asked_for is not None:
                    yield (procedure.name, "Asked for", stage.name, stage.asked_for)
                yield (procedure.name, "Responses sent", stage.name, stage.responses)

    def _volume_rows(self):
        """Volumes and complaints not taken on."""
        yield ("Volumes", "Complaints received", "All categories", self.complaints_received)
        for category in self.categories:
            yield ("Volumes", "Complaints received", category.name, category.received)
        yield ("Volumes", "Stage 2 reviews asked for", "All categories", self.stage2_requested)
        for category in self.categories:
            yield ("Volumes", "Stage 2 reviews asked for", category.name, category.stage2)
        for figure in self.other_feedback:
            yield ("Volumes", "Other feedback received", figure.label, figure.value)
        yield ("Not taken on", "Complaints taken out of the procedure", "All reasons", self.not_taken_on_total)
        for figure in self.not_taken_on:
            yield ("Not taken on", "Complaints taken out of the procedure", figure.label, figure.value)
        for figure in self.signposted:
            yield (
                "Not taken on",
                "Complaints where the family was shown another route at the start",
                figure.label,
                figure.value,
            )

    def _outcome_rows(self):
        """Findings at each stage."""
        for stage in STAGES:
            measure = f"{STAGE_LABELS[stage]} responses with a finding"
            yield ("Outcomes", measure, "All findings", self.outcomes_total(stage))
            for figure in self.outcomes[stage]:
                yield ("Outcomes", measure, figure.label, figure.value)
                yield ("Outcomes", f"{measure} (%)", figure.label, figure.share)

    def _timescale_rows(self):
        """Acknowledgements and responses against the Code's deadlines."""
        for stage in STAGES:
            times = self.timescales[stage]
            days = ACKNOWLEDGE_DAYS[stage]
            measure = f"{STAGE_LABELS[stage]} acknowledgements"
            yield ("Timescales", measure, "Sent", times.acknowledged)
            yield ("Timescales", measure, f"Within {days} working days", times.acknowledged_on_time)
            yield ("Timescales", measure, "Late", times.acknowledged_late)
            yield ("Timescales", measure, "Deadline not recorded", times.acknowledged_no_deadline)
            yield (
                "Timescales",
                f"{measure} within {days} working days (%)",
                "",
                times.acknowledged_on_time_percent,
            )
            measure = f"{STAGE_LABELS[stage]} responses"
            yield ("Timescales", measure, "Sent", times.responded)
            yield ("Timescales", measure, "By the deadline that applied", times.responded_on_time)
            yield ("Timescales", measure, "Late", times.responded_late)
            yield ("Timescales", measure, "Deadline not recorded", times.responded_no_deadline)
            yield ("Timescales", f"{measure} by the deadline that applied (%)", "", times.responded_on_time_percent)
            yield (
                "Timescales",
                f"{STAGE_LABELS[stage]} complaints waiting past the deadline at the end of the period",
                "For an acknowledgement",
                times.waiting_acknowledgement_overdue,
            )
            yield (
                "Timescales",
                f"{STAGE_LABELS[stage]} complaints waiting past the deadline at the end of the period",
                "For a response",
                times.waiting_response_overdue,
            )

    def _extension_and_ombudsman_rows(self):
        """Extensions, and what reached the Ombudsman."""
        for stage in STAGES:
            times = self.timescales[stage]
            yield ("Extensions", f"{STAGE_LABELS[stage]} extensions agreed", "", self.extensions[stage])
            yield (
                "Extensions",
                f"{STAGE_LABELS[stage]} extensions agreed",
                f"Beyond the Code's {MAX_EXTENSION_DAYS[stage]} working days, approved by a manager",
                self.extensions_beyond_limit[stage],
            )
            yield (
                "Extensions",
                f"{STAGE_LABELS[stage]} responses sent after an extension",
                "Sent",
                times.responded_after_extension,
            )
            yield (
                "Extensions",
                f"{STAGE_LABELS[stage]} responses sent after an extension",
                "By the extended deadline",
                times.responded_after_extension_on_time,
            )
        yield (
            "Ombudsman",
            "Stage 2 final responses sent, each with the Ombudsman's details",
            "",
            self.stage2_final_responses,
        )
        yield ("Ombudsman", "Complaints the council heard had gone to the Ombudsman", "", self.ombudsman_referrals)
        for figure in self.ombudsman:
            yield ("Ombudsman", "Complaints the council heard had gone to the Ombudsman", figure.label, figure.value)

    def _learning_rows(self):
        """Learning themes and remedies."""
        for figure in self.themes:
            yield ("Learning", "Responses by learning theme", figure.label, figure.value)
        yield ("Learning", "Responses by learning theme", "No theme recorded", self.outcomes_without_theme)
        for remedy in self.remedies:
            yield ("Learning", "Remedies promised", remedy.label, remedy.promised)
            yield ("Learning", "Remedies done by the end of the period", remedy.label, remedy.done)


# --- the queries ---------------------------------------------------------------------------


def _between(column, start: datetime, end: datetime):
    return sa.and_(column >= start, column < end)


def _count(condition):
    return sa.func.count(sa.case((condition, 1)))


def _calendar(period: Period):
    """Each day of the period, with the moment (UTC) it ends in London, as a CTE. Written as
    text with a parameter for each value: SQLAlchemy compiles a statement holding a VALUES
    construct again every time (tens of milliseconds for a year's days), and keeps a text's."""
    first, days = period.starts_on, (period.ends_on - period.starts_on).days + 1
    values = []
    for n in range(days):
        day = first + timedelta(days=n)
        values += [
            sa.bindparam(f"day_{n}", day, type_=sa.Date),
            sa.bindparam(f"closes_{n}", london_midnight(day + timedelta(days=1)), type_=Case.received_at.type),
        ]
    return (
        _calendar_text(days)
        .bindparams(*values)
        .columns(sa.column("day", sa.Date), sa.column("closes_at", Case.received_at.type))
        .cte("london_day")
    )


@functools.cache
def _calendar_text(days: int) -> sa.TextClause:
    rows = ", ".join(f"(:day_{n}, :closes_{n})" for n in range(days))
    return sa.text(f"SELECT column1 AS day, column2 AS closes_at FROM (VALUES {rows}) AS london_days")


def _filter_only(column):
    """``column`` for a condition that only narrows rows found by another: SQLite's planner,
    without figures for ranges, may walk a one-sided range on its index (received before
    now: every case) rather than the index that finds a few (escalated today)."""
    return sa.func.coalesce(column, column)


def _under_the_code():
    """Complaints that follow the Complaint Handling Code: the report's stages, limits and
    wording are the Code's. Other procedures are counted on their own (_other_procedures)."""
    return sa.or_(Case.procedure.is_(None), Case.procedure == procedures.CODE)


def _volumes(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    received = _between(Case.received_at, start, end)
    escalated = _between(Case.escalated_at, start, end)
    rows = db.session.execute(
        sa.select(
            Category.name,
            Category.position,
            _count(received).label("received"),
            _count(escalated).label("stage2"),
        )
        .select_from(Case)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(Case.kind == COMPLAINT, _under_the_code(), sa.or_(received, escalated))
        .group_by(Category.id, Category.name, Category.position)
        .order_by(Category.id.is_(None), Category.position, Category.name)
    ).all()
    report.categories = [
        CategoryVolume(row.name or NO_CATEGORY, row.received, row.stage2, row.position) for row in rows
    ]
    report.complaints_received = sum(row.received for row in rows)
    report.stage2_requested = sum(row.stage2 for row in rows)


def _kinds_and_reasons(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    rows = db.session.execute(
        sa.select(Case.kind, Case.not_complaint_reason, Case.triage_route, sa.func.count(Case.id).label("cases"))
        .where(_between(Case.received_at, start, end))
        .group_by(Case.kind, Case.not_complaint_reason, Case.triage_route)
    ).all()
    kinds: dict[str, int] = {}
    reasons: dict[str, int] = {}
    routes: dict[str, int] = {}
    for row in rows:
        kinds[row.kind] = kinds.get(row.kind, 0) + row.cases
        if row.kind == COMPLAINT and row.not_complaint_reason:
            reasons[row.not_complaint_reason] = reasons.get(row.not_complaint_reason, 0) + row.cases
        if row.kind == COMPLAINT and row.triage_route:
            routes[row.triage_route] = routes.get(row.triage_route, 0) + row.cases
    report.other_feedback = [Figure(label, kinds.get(kind, 0)) for kind, label in OTHER_KINDS.items()]
    known = [Figure(label, reasons.pop(code, 0)) for code, label in NOT_COMPLAINT_REASONS.items()]
    report.not_taken_on = known + [
        Figure(code.replace("_", " ").capitalize(), n) for code, n in sorted(reasons.items())
    ]
    report.signposted = [Figure(label, routes.pop(code, 0)) for code, label in TRIAGE_ROUTES.items()] + [
        Figure(code.replace("_", " ").capitalize(), n) for code, n in sorted(routes.items())
    ]


def _outcomes(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    has_theme = sa.exists().where(outcome_theme.c.outcome_id == CaseOutcome.id)
    rows = db.session.execute(
        sa.select(
            CaseOutcome.stage,
            CaseOutcome.outcome,
            sa.func.count(CaseOutcome.id).label("responses"),
            _count(~has_theme).label("without_theme"),
        )
        .join(Case, Case.id == CaseOutcome.case_id)
        .where(_between(CaseOutcome.recorded_at, start, end), CaseOutcome.outcome.is_not(None), _under_the_code())
        .group_by(CaseOutcome.stage, CaseOutcome.outcome)
    ).all()
    counts = {(row.stage, row.outcome): row.responses for row in rows}
    report.outcomes_without_theme = sum(row.without_theme for row in rows)
    for stage in STAGES:
        total = sum(n for (at, _), n in counts.items() if at == stage)
        report.outcomes[stage] = [
            Figure(label, counts.get((stage, code), 0), percent(counts.get((stage, code), 0), total))
            for code, label in CaseOutcome.LABELS.items()
        ]


def _learning(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    """Responses by learning theme, and remedies promised in [start, end) and done by its end.
    A remedy promised earlier in the period and done in [start, end) is counted as done here
    too: each is counted done once, in the part of the period where it was both promised and
    done, so the parts of a period add up to the whole (see complaints_report)."""
    # Complaints' responses only (they have a finding): this is the complaints report.
    recorded = sa.and_(_between(CaseOutcome.recorded_at, start, end), CaseOutcome.outcome.is_not(None))

    themes = db.session.execute(
        sa.select(LearningTheme.name, sa.func.count(CaseOutcome.id).label("responses"))
        .select_from(outcome_theme)
        .join(CaseOutcome, CaseOutcome.id == outcome_theme.c.outcome_id)
        .join(LearningTheme, LearningTheme.id == outcome_theme.c.theme_id)
        .where(recorded)
        .group_by(LearningTheme.id, LearningTheme.name)
        .order_by(sa.func.count(CaseOutcome.id).desc(), LearningTheme.name)
    ).all()
    report.themes = [Figure(row.name, row.responses) for row in themes]
    promised_here = (
        sa.select(
            Remedy.kind.label("kind"),
            sa.func.count(Remedy.id).label("promised"),
            _count(Remedy.done_at < end).label("done"),
        )
        .join(CaseOutcome, CaseOutcome.id == Remedy.outcome_id)
        .where(recorded)
        .group_by(Remedy.kind)
    )
    promised_before_done_here = (
        sa.select(Remedy.kind, sa.literal(0), sa.func.count(Remedy.id))
        .join(CaseOutcome, CaseOutcome.id == Remedy.outcome_id)
        .where(
            _between(Remedy.done_at, start, end),
            _between(CaseOutcome.recorded_at, report.period.starts_at, start),
            CaseOutcome.outcome.is_not(None),
        )
        .group_by(Remedy.kind)
    )
    promised, done = dict.fromkeys(Remedy.KINDS, 0), dict.fromkeys(Remedy.KINDS, 0)
    for row in db.session.execute(sa.union_all(promised_here, promised_before_done_here)):
        promised[row.kind] = promised.get(row.kind, 0) + row.promised
        done[row.kind] = done.get(row.kind, 0) + row.done
    report.remedies = [RemedyFigure(kind, label, promised[kind], done[kind]) for kind, label in Remedy.KINDS.items()]


def _stage_clocks(start: datetime, end: datetime, *, happened_only: bool = False):
    """One row per complaint and stage it has reached, with that stage's clocks: the
    current stage from the case, stage 1 of an escalated complaint from the history.

    Only stages that were under way at some moment in [start, end) are read: a stage that
    began after the end, or was over (closed, or escalated) before the start, has nothing
    to count, so years of older cases cost nothing. With ``happened_only``, only current
    stages acknowledged or answered in [start, end): what is waiting is counted apart."""
    in_procedure = sa.and_(Case.kind == COMPLAINT, Case.not_complaint_reason.is_(None), _under_the_code())

    def history(clock: str, column, *, first: bool = False):
        change = sa.select(column).where(
            DeadlineChange.case_id == Case.id, DeadlineChange.stage == STAGE_1, DeadlineChange.clock == clock
        )
        return change.order_by(DeadlineChange.id if first else DeadlineChange.id.desc()).limit(1).scalar_subquery()

    current = sa.select(
        Case.id.label("case_id"),
        sa.cast(Case.stage, sa.Integer).label("stage"),
        sa.case((Case.stage == STAGE_2, Case.escalated_at), else_=Case.received_at).label("started_at"),
        Case.closed_at.label("ended_at"),
        Case.acknowledge_by.label("acknowledge_by"),
        Case.acknowledged_at.label("acknowledged_at"),
        Case.respond_by.label("respond_by"),
        Case.responded_at.label("responded_at"),
        Case.extension_used.label("extended"),
    ).where(
        in_procedure,
        Case.stage.in_(STAGES),
        sa.case((Case.stage == STAGE_2, Case.escalated_at), else_=Case.received_at) < end,
        sa.or_(Case.closed_at.is_(None), Case.closed_at >= start),
        sa.or_(_between(Case.acknowledged_at, start, end), _between(Case.responded_at, start, end))
        if happened_only
        else sa.true(),
    )
    stage1_of_escalated = sa.select(
        Case.id,
        sa.literal(STAGE_1, sa.Integer),
        Case.received_at,
        Case.escalated_at,
        history(ACKNOWLEDGE, DeadlineChange.new_date),
        history(RESPOND, DeadlineChange.changed_at, first=True),
        history(RESPOND, DeadlineChange.new_date),
        sa.select(sa.func.min(CaseOutcome.recorded_at))
        .where(CaseOutcome.case_id == Case.id, CaseOutcome.stage == STAGE_1)
        .scalar_subquery(),
        sa.exists().where(
            DeadlineChange.case_id == Case.id,
            DeadlineChange.stage == STAGE_1,
            DeadlineChange.clock == RESPOND,
            DeadlineChange.extension_days.is_not(None),
        ),
    ).where(in_procedure, Case.stage == STAGE_2, _filter_only(Case.received_at) < end, Case.escalated_at >= start)
    return sa.union_all(current, stage1_of_escalated).subquery("stage_clocks")


def _day_key(column):
    """A date column to join the calendar on. SQLite gives the calendar's days no type, and
    compares them with a date column only by scanning the calendar for every row; the same
    date as plain text lets it index the calendar instead (same values, same result)."""
    if db.session.get_bind().dialect.name == "sqlite":
        return column.op("||")(sa.literal(""))
    return column


def _on_time(period: Period, done, due, day):
    """Whether ``done`` came by the end of the deadline day ``due`` (``day``: the calendar row
    joined on it). Within the period's calendar it is compared with the moment that day ends in
    London; a deadline before the period has passed for anything done in it, one after has not."""
    return sa.or_(due > period.ends_on, sa.and_(due >= period.starts_on, done < day.c.closes_at))


def _is_present(moment: datetime) -> bool:
    """Whether figures as of ``moment`` are as of now: what is waiting then is what is open."""
    return moment >= utcnow() - kept_figures.NOW


def _waiting_now(as_of_day: date):
    """The complaints waiting past a deadline now, by stage, as _timescales' columns: read
    from the open cases alone (their index), not from every stage under way in the period."""
    zeros = [sa.literal(0).label(name) for name in _HAPPENED]
    return (
        sa.select(
            sa.cast(Case.stage, sa.Integer).label("stage"),
            *zeros,
            _count(sa.and_(Case.acknowledged_at.is_(None), Case.acknowledge_by < as_of_day)).label(
                "waiting_acknowledgement_overdue"
            ),
            _count(
                sa.and_(Case.acknowledged_at.is_not(None), Case.responded_at.is_(None), Case.respond_by < as_of_day)
            ).label("waiting_response_overdue"),
        )
        .where(
            Case.is_open,
            Case.kind == COMPLAINT,
            Case.not_complaint_reason.is_(None),
            _under_the_code(),
            Case.stage.in_(STAGES),
        )
        .group_by(Case.stage)
    )


def _timescales(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    period = report.period
    as_of = report.as_of
    as_of_day = as_of.astimezone(LONDON).date()  # deadlines before this day have passed
    present = _is_present(as_of)
    clocks = _stage_clocks(start, end, happened_only=present)
    calendar = _calendar(period)
    acknowledge_day = calendar.alias("acknowledge_day")
    respond_day = calendar.alias("respond_day")

    def on_time(done, due, day):
        return _on_time(period, done, due, day)

    acknowledged = _between(clocks.c.acknowledged_at, start, end)
    responded = _between(clocks.c.responded_at, start, end)
    extended = clocks.c.extended.is_(True)
    responded_on_time = sa.and_(
        responded, clocks.c.respond_by.is_not(None), on_time(clocks.c.responded_at, clocks.c.respond_by, respond_day)
    )
    still_open = sa.and_(
        clocks.c.started_at < as_of,
        sa.or_(clocks.c.ended_at.is_(None), clocks.c.ended_at >= as_of),
        sa.or_(clocks.c.responded_at.is_(None), clocks.c.responded_at >= as_of),
    )
    not_acknowledged = sa.or_(clocks.c.acknowledged_at.is_(None), clocks.c.acknowledged_at >= as_of)
    counted = (
        sa.select(
            clocks.c.stage,
            _count(acknowledged).label("acknowledged"),
            _count(
                sa.and_(
                    acknowledged,
                    clocks.c.acknowledge_by.is_not(None),
                    on_time(clocks.c.acknowledged_at, clocks.c.acknowledge_by, acknowledge_day),
                )
            ).label("acknowledged_on_time"),
            _count(sa.and_(acknowledged, clocks.c.acknowledge_by.is_(None))).label("acknowledged_no_deadline"),
            _count(responded).label("responded"),
            _count(responded_on_time).label("responded_on_time"),
            _count(sa.and_(responded, clocks.c.respond_by.is_(None))).label("responded_no_deadline"),
            _count(sa.and_(responded, extended)).label("responded_after_extension"),
            _count(sa.and_(responded_on_time, extended)).label("responded_after_extension_on_time"),
            # As of now, what is waiting is counted from the open cases (_waiting_now).
            sa.literal(0).label("waiting_acknowledgement_overdue")
            if present
            else _count(sa.and_(still_open, not_acknowledged, clocks.c.acknowledge_by < as_of_day)).label(
                "waiting_acknowledgement_overdue"
            ),
            sa.literal(0).label("waiting_response_overdue")
            if present
            else _count(sa.and_(still_open, sa.not_(not_acknowledged), clocks.c.respond_by < as_of_day)).label(
                "waiting_response_overdue"
            ),
        )
        .select_from(clocks)
        .outerjoin(acknowledge_day, acknowledge_day.c.day == _day_key(clocks.c.acknowledge_by))
        .outerjoin(respond_day, respond_day.c.day == _day_key(clocks.c.respond_by))
        .group_by(clocks.c.stage)
    )
    found = {stage: dict.fromkeys([*_HAPPENED, *_WAITING], 0) for stage in STAGES}
    for row in db.session.execute(sa.union_all(counted, _waiting_now(as_of_day)) if present else counted):
        if row.stage in found:
            for name, value in row._mapping.items():
                if name != "stage":
                    found[row.stage][name] += value
    report.timescales = {stage: StageTimescales(stage, **counts) for stage, counts in found.items()}


def _extensions(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    """Extensions as clocks.extend records them (with their working days): not the first
    response deadline of a stage, nor one set again when a case changed procedure. Those that
    took the stage past the Code's limit are counted again on their own."""
    rows = db.session.execute(
        sa.select(
            DeadlineChange.stage,
            sa.func.count(DeadlineChange.id).label("extensions"),
            _count(DeadlineChange.beyond_code_limit.is_(True)).label("beyond"),
        )
        .join(Case, Case.id == DeadlineChange.case_id)
        .where(
            DeadlineChange.clock == RESPOND,
            DeadlineChange.extension_days.is_not(None),
            _between(DeadlineChange.changed_at, start, end),
            _under_the_code(),
        )
        .group_by(DeadlineChange.stage)
    ).all()
    counts = {row.stage: row for row in rows}
    report.extensions = {stage: counts[stage].extensions if stage in counts else 0 for stage in STAGES}
    report.extensions_beyond_limit = {stage: counts[stage].beyond if stage in counts else 0 for stage in STAGES}


def _other_procedures(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    """Complaints under another procedure than the Code (the statutory children's procedure):
    received, asked for each later stage (by the day of the latest request), and responses sent
    at each stage, in the period. One query."""
    other = sa.and_(Case.kind == COMPLAINT, sa.not_(_under_the_code()))
    received = _between(Case.received_at, start, end)
    escalated = _between(Case.escalated_at, start, end)
    arrivals = (
        sa.select(
            Case.procedure.label("procedure"),
            Case.stage.label("stage"),
            _count(received).label("received"),
            _count(escalated).label("asked"),
            sa.literal(0).label("responses"),
        )
        .where(other, sa.or_(received, escalated))
        .group_by(Case.procedure, Case.stage)
    )
    answers = (
        sa.select(
            Case.procedure,
            CaseOutcome.stage,
            sa.literal(0),
            sa.literal(0),
            sa.func.count(CaseOutcome.id),
        )
        .join(Case, Case.id == CaseOutcome.case_id)
        .where(other, _between(CaseOutcome.recorded_at, start, end))
        .group_by(Case.procedure, CaseOutcome.stage)
    )
    rows = db.session.execute(sa.union_all(arrivals, answers)).all()
    report.other_procedures = []
    for key, procedure in procedures.PROCEDURES.items():
        if key == procedures.CODE:
            continue
        mine = [row for row in rows if row.procedure == key]
        stages = [
            StageFigures(
                stage.name,
                sum(row.asked for row in mine if row.stage == stage.number) if stage.number > 1 else None,
                sum(row.responses for row in mine if row.stage == stage.number),
            )
            for stage in procedure.stages
        ]
        report.other_procedures.append(
            ProcedureFigures(procedure.name, procedure.citation, sum(row.received for row in mine), stages)
        )


def _ombudsman(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    """Referrals by the day the council heard of them, with what the Ombudsman decided so far."""
    first_day = start.astimezone(LONDON).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(LONDON).date()
    rows = db.session.execute(
        sa.select(OmbudsmanReferral.decision, sa.func.count(OmbudsmanReferral.id).label("referrals"))
        .where(OmbudsmanReferral.notified_on.between(first_day, last_day))
        .group_by(OmbudsmanReferral.decision)
    ).all()
    counts = {row.decision: row.referrals for row in rows}
    report.ombudsman = [
        Figure(label, counts.get(decision, 0)) for decision, label in OmbudsmanReferral.DECISIONS.items()
    ]


# --- all feedback, for the termly update -----------------------------------------------------


@dataclass(frozen=True)
class CategoryFeedback:
    """Feedback of every kind received about one category."""

    name: str
    by_kind: dict[str, int]  # kind code -> count, for every kind in KINDS

    @property
    def total(self) -> int:
        return sum(self.by_kind.values())

    @property
    def in_order(self) -> list[int]:
        """The counts in the order of KINDS."""
        return [self.by_kind.get(kind, 0) for kind in KINDS]


@dataclass(frozen=True)
class FeedbackReceived:
    """Feedback of every kind received in a period: by kind, by category, and both."""

    kinds: list[Figure]  # one per kind in KINDS, with its share of all feedback
    categories: list[CategoryFeedback]  # categories with any feedback, in the intake's order
    total: int


def feedback_received(period: Period, now: datetime | None = None) -> FeedbackReceived:
    """Complaints, compliments, suggestions and questions received in ``period`` (to now, for
    the period in progress), by kind and category: one query, whatever the number of cases,
    or one for the figures kept from the last time while they are still good.
    Complaints later taken out of the procedure still count here as complaints received."""
    now = now or utcnow()
    return kept_figures.counted(
        f"feedback received {_period_key(period)}",
        lambda: count_feedback_received(period, now),
        ends_at=period.ends_at,
        as_of_day=_as_of_day(period, now),
        now=now,
        to_figures=asdict,
        from_figures=lambda figures: FeedbackReceived(
            kinds=[Figure(**row) for row in figures["kinds"]],
            categories=[CategoryFeedback(**row) for row in figures["categories"]],
            total=figures["total"],
        ),
    )


def count_feedback_received(period: Period, now: datetime) -> FeedbackReceived:
    """feedback_received() counted from the cases now, without the kept figures."""
    as_of = min(now, period.ends_at)
    rows = db.session.execute(
        sa.select(Category.id, Category.name, Case.kind, sa.func.count(Case.id).label("cases"))
        .select_from(Case)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(_between(Case.received_at, period.starts_at, as_of))
        .group_by(Category.id, Category.name, Category.position, Case.kind)
        .order_by(Category.id.is_(None), Category.position, Category.name)
    ).all()
    by_category: dict[int | None, tuple[str, dict[str, int]]] = {}
    for row in rows:
        _, counts = by_category.setdefault(row.id, (row.name or NO_CATEGORY, dict.fromkeys(KINDS, 0)))
        counts[row.kind] = counts.get(row.kind, 0) + row.cases
    categories = [CategoryFeedback(name, counts) for name, counts in by_category.values()]
    total = sum(category.total for category in categories)
    per_kind = {kind: sum(category.by_kind.get(kind, 0) for category in categories) for kind in KINDS}
    kinds = [Figure(label, per_kind[kind], percent(per_kind[kind], total)) for kind, label in KINDS.items()]
    return FeedbackReceived(kinds=kinds, categories=categories, total=total)


def earliest_received() -> date | None:
    """The day the first feedback of any kind arrived (UK time), for the year chooser."""
    first = db.session.scalar(sa.select(sa.func.min(Case.received_at)))
    return first.astimezone(LONDON).date() if first else None


# Each part of the report, in the order the report runs them: one query each (learning, two).
def _reply_targets(report: ComplaintsReport, start: datetime, end: datetime) -> None:
    """Questions, suggestions and compliments against their reply targets, in one query: those
    answered in [start, end), found by the moments they were answered, and those waiting past
    their target at the end, found among the cases still open then."""
    period, as_of = report.period, report.as_of
    as_of_day = as_of.astimezone(LONDON).date()
    answered_at = sa.func.coalesce(Case.responded_at, Case.closed_at)
    day = _calendar(period).alias("target_day")
    other_kinds = Case.kind.in_(list(OTHER_KINDS))
    # The same as answered_at in [start, end), said so that the index of each column serves it.
    answered = sa.or_(
        _between(Case.responded_at, start, end),
        sa.and_(_between(Case.closed_at, start, end), _between(answered_at, start, end)),
    )
    answered_here = (
        sa.select(
            Case.kind.label("kind"),
            sa.func.count(Case.id).label("answered"),
            _count(sa.and_(Case.respond_by.is_not(None), _on_time(period, answered_at, Case.respond_by, day))).label(
                "answered_on_time"
            ),
            _count(Case.respond_by.is_(None)).label("answered_no_target"),
            sa.literal(0).label("waiting_past_target"),
        )
        .outerjoin(day, day.c.day == _day_key(Case.respond_by))
        .where(other_kinds, answered)
        .group_by(Case.kind)
    )
    if _is_present(as_of):
        # Waiting now: open and unanswered (the open cases' index finds them).
        unanswered = sa.and_(Case.is_open, _filter_only(Case.responded_at).is_(None))
    else:
        # Unanswered at the end: not closed by then (said of closed_at alone, for its index).
        unanswered = sa.and_(
            sa.or_(Case.closed_at.is_(None), Case.closed_at >= as_of),
            _filter_only(Case.received_at) < as_of,
            sa.or_(answered_at.is_(None), answered_at >= as_of),
        )
    waiting = (
        sa.select(Case.kind, sa.literal(0), sa.literal(0), sa.literal(0), sa.func.count(Case.id))
        .where(other_kinds, unanswered, Case.respond_by < as_of_day)
        .group_by(Case.kind)
    )
    found = {kind: [0, 0, 0, 0] for kind in OTHER_KINDS}
    for row in db.session.execute(sa.union_all(answered_here, waiting)):
        if row.kind in found:
            found[row.kind] = [total + value for total, value in zip(found[row.kind], row[1:], strict=True)]
    report.reply_targets = [ReplyTargetFigures(kind, label, *found[kind]) for kind, label in OTHER_KINDS.items()]


SECTIONS = {
    "volumes": _volumes,
    "kinds_and_reasons": _kinds_and_reasons,
    "outcomes": _outcomes,
    "learning": _learning,
    "timescales": _timescales,
    "extensions": _extensions,
    "ombudsman": _ombudsman,
    "other_procedures": _other_procedures,
    "reply_targets": _reply_targets,
}


def complaints_report(
    period: Period, now: datetime | None = None, sections: Iterable[str] | None = None
) -> ComplaintsReport:
    """The figures for ``period``, as things stood at its end (or now, for the period in
    progress): ten queries for the whole report, whatever the number of cases, or one while
    the figures kept from the last time are still good (portal.core.kept_figures).

    The period in progress is kept in two parts: what happened before today, kept for the
    day while no change touches it, and today with what is waiting now. A caseworker's
    answer today counts today again, and leaves the months before as they were counted.

    ``sections`` names the parts wanted (keys of SECTIONS; all of them by default). The parts
    left out keep their empty defaults, so ``figures()`` is only for a whole report."""
    now = now or utcnow()
    as_of = min(now, period.ends_at)
    wanted = set(SECTIONS if sections is None else sections)
    unknown = wanted - set(SECTIONS)
    if unknown:
        raise ValueError(f"no such section: {', '.join(sorted(unknown))}")
    name = f"complaints {_period_key(period)} {','.join(sorted(wanted))}"
    today = _as_of_day(period, now)
    parts = {"whole": kept_figures.Kept(name, period.ends_at, today)}
    if today is not None:
        today_began = max(london_midnight(today), period.starts_at)
        parts = {"today": kept_figures.Kept(f"{name} today", period.ends_at, today)}
        if today_began > period.starts_at:
            parts["before"] = kept_figures.Kept(f"{name} before today", today_began, today, events_only=True)

    def count(keys: list[str]) -> dict[str, ComplaintsReport]:
        if "whole" in keys:
            return {"whole": count_report(period, as_of, wanted)}
        counted = {}
        if "before" in keys:
            counted["before"] = count_report(period, today_began, wanted)
        if "today" in keys:
            counted["today"] = count_report(period, as_of, wanted, start=today_began)
        return counted

    found = kept_figures.counted_each(
        parts,
        count,
        now=now,
        to_figures=report_figures,
        from_figures=lambda figures: report_from_figures(period, as_of, figures),
    )
    if "whole" in found:
        return found["whole"]
    return added_up(found["before"], found["today"]) if "before" in found else found["today"]


def count_report(
    period: Period, as_of: datetime, sections: set[str], *, start: datetime | None = None
) -> ComplaintsReport:
    """The report's ``sections`` counted from the cases now, without the kept figures: what
    happened from ``start`` (the period's start) to ``as_of``, and what was waiting then."""
    report = ComplaintsReport(period=period, as_of=as_of)
    for name, section in SECTIONS.items():
        if name in sections:
            section(report, period.starts_at if start is None else start, as_of)
    return report


# --- adding up the parts of a period ---------------------------------------------------------


def added_up(earlier: ComplaintsReport, later: ComplaintsReport) -> ComplaintsReport:
    """The figures of a period counted in two parts, one after the other: what happened in
    either part added up, and what was waiting as ``later`` found it, at its end."""
    report = ComplaintsReport(period=later.period, as_of=later.as_of)
    report.complaints_received = earlier.complaints_received + later.complaints_received
    report.stage2_requested = earlier.stage2_requested + later.stage2_requested
    report.categories = _categories_added(earlier.categories, later.categories)
    report.other_feedback = _figures_added(earlier.other_feedback, later.other_feedback)
    report.not_taken_on = _figures_added(earlier.not_taken_on, later.not_taken_on, NOT_COMPLAINT_REASONS.values())
    report.signposted = _figures_added(earlier.signposted, later.signposted, TRIAGE_ROUTES.values())
    report.outcomes = {
        stage: _with_shares(_figures_added(earlier.outcomes.get(stage, []), figures))
        for stage, figures in later.outcomes.items()
    }
    report.outcomes_without_theme = earlier.outcomes_without_theme + later.outcomes_without_theme
    report.timescales = {
        stage: _timescales_added(earlier.timescales.get(stage, StageTimescales(stage)), times)
        for stage, times in later.timescales.items()
    }
    report.extensions = _by_stage_added(earlier.extensions, later.extensions)
    report.extensions_beyond_limit = _by_stage_added(earlier.extensions_beyond_limit, later.extensions_beyond_limit)
    report.other_procedures = [
        ProcedureFigures(
            procedure.name,
            procedure.citation,
            before.received + procedure.received,
            [
                StageFigures(
                    stage.name,
                    None if stage.asked_for is None else (first.asked_for or 0) + stage.asked_for,
                    first.responses + stage.responses,
                )
                for first, stage in zip(before.stages, procedure.stages, strict=True)
            ],
        )
        for before, procedure in zip(earlier.other_procedures, later.other_procedures, strict=True)
    ]
    report.reply_targets = [
        ReplyTargetFigures(
            kind.kind,
            kind.label,
            before.answered + kind.answered,
            before.answered_on_time + kind.answered_on_time,
            before.answered_no_target + kind.answered_no_target,
            kind.waiting_past_target,
        )
        for before, kind in zip(earlier.reply_targets, later.reply_targets, strict=True)
    ]
    themes = _figures_added(earlier.themes, later.themes)
    report.themes = sorted(themes, key=lambda figure: (-figure.value, figure.label))
    report.remedies = [
        RemedyFigure(remedy.kind, remedy.label, before.promised + remedy.promised, before.done + remedy.done)
        for before, remedy in zip(earlier.remedies, later.remedies, strict=True)
    ]
    report.ombudsman = _figures_added(earlier.ombudsman, later.ombudsman)
    return report


def _figures_added(earlier: list[Figure], later: list[Figure], known: Iterable[str] | None = None) -> list[Figure]:
    """Figures by label, added up, in the order the earlier part gave them and then any new
    labels. With ``known`` labels (always given, in their order), the others follow them in
    the order of their labels, as a count of the whole period puts them."""
    values: dict[str, int] = {}
    for figure in [*earlier, *later]:
        values[figure.label] = values.get(figure.label, 0) + figure.value
    labels = list(values)
    if known is not None:
        known = list(known)
        labels = [label for label in known if label in values] + sorted(set(labels) - set(known))
    return [Figure(label, values[label]) for label in labels]


def _with_shares(figures: list[Figure]) -> list[Figure]:
    total = sum(figure.value for figure in figures)
    return [Figure(figure.label, figure.value, percent(figure.value, total)) for figure in figures]


def _categories_added(earlier: list[CategoryVolume], later: list[CategoryVolume]) -> list[CategoryVolume]:
    """Volumes by category added up, in the intake's order (no category given last)."""
    found: dict[str, CategoryVolume] = {}
    for volume in [*earlier, *later]:
        kept = found.get(volume.name)
        found[volume.name] = (
            CategoryVolume(volume.name, kept.received + volume.received, kept.stage2 + volume.stage2, volume.position)
            if kept
            else volume
        )
    return sorted(found.values(), key=lambda volume: (volume.position is None, volume.position or 0, volume.name))


# StageTimescales' counts of what happened in the period, added up over its parts; and of what
# was waiting at its end, the later part's.
_HAPPENED = (
    "acknowledged",
    "acknowledged_on_time",
    "acknowledged_no_deadline",
    "responded",
    "responded_on_time",
    "responded_no_deadline",
    "responded_after_extension",
    "responded_after_extension_on_time",
)
_WAITING = ("waiting_acknowledgement_overdue", "waiting_response_overdue")


def _timescales_added(earlier: StageTimescales, later: StageTimescales) -> StageTimescales:
    counts = {
        name: value if name in _WAITING else value + getattr(earlier, name)
        for name, value in asdict(later).items()
        if name != "stage"
    }
    return StageTimescales(stage=later.stage, **counts)


def _by_stage_added(earlier: dict[int, int], later: dict[int, int]) -> dict[int, int]:
    return {stage: earlier.get(stage, 0) + count for stage, count in later.items()}


# --- keeping the figures -----------------------------------------------------------------


def _period_key(period: Period) -> str:
    return f"{type(period).__name__} {period.starts_on.isoformat()}"


def _as_of_day(period: Period, now: datetime) -> date | None:
    """None once the period is over; else today, the day its overdue counts depend on."""
    return None if now >= period.ends_at else now.astimezone(LONDON).date()


def _by_stage(values: dict, make=lambda value: value) -> dict:
    return {str(stage): make(value) for stage, value in values.items()}


def _from_stage(values: dict, make=lambda value: value) -> dict[int, object]:
    return {int(stage): make(value) for stage, value in values.items()}


def report_figures(report: ComplaintsReport) -> dict:
    """Everything the report counted, as JSON (stages as text keys)."""
    figures = {name: asdict_all(getattr(report, name)) for name in _REPORT_FIELDS}
    figures["outcomes"] = _by_stage(report.outcomes, asdict_all)
    figures["timescales"] = _by_stage(report.timescales, asdict)
    figures["extensions"] = _by_stage(report.extensions)
    figures["extensions_beyond_limit"] = _by_stage(report.extensions_beyond_limit)
    return figures


def report_from_figures(period: Period, as_of: datetime, figures: dict) -> ComplaintsReport:
    """The report report_figures() kept, for ``period`` as of ``as_of``."""

    def figures_of(rows):
        return [Figure(**row) for row in rows]

    return ComplaintsReport(
        period=period,
        as_of=as_of,
        complaints_received=figures["complaints_received"],
        stage2_requested=figures["stage2_requested"],
        categories=[CategoryVolume(**row) for row in figures["categories"]],
        other_feedback=figures_of(figures["other_feedback"]),
        not_taken_on=figures_of(figures["not_taken_on"]),
        signposted=figures_of(figures["signposted"]),
        outcomes=_from_stage(figures["outcomes"], figures_of),
        outcomes_without_theme=figures["outcomes_without_theme"],
        timescales=_from_stage(figures["timescales"], lambda row: StageTimescales(**row)),
        extensions=_from_stage(figures["extensions"]),
        extensions_beyond_limit=_from_stage(figures["extensions_beyond_limit"]),
        other_procedures=[
            ProcedureFigures(
                row["name"], row["citation"], row["received"], [StageFigures(**stage) for stage in row["stages"]]
            )
            for row in figures["other_procedures"]
        ],
        reply_targets=[ReplyTargetFigures(**row) for row in figures["reply_targets"]],
        themes=figures_of(figures["themes"]),
        remedies=[RemedyFigure(**row) for row in figures["remedies"]],
        ombudsman=figures_of(figures["ombudsman"]),
    )


_REPORT_FIELDS = (
    "complaints_received",
    "stage2_requested",
    "categories",
    "other_feedback",
    "not_taken_on",
    "signposted",
    "outcomes_without_theme",
    "other_procedures",
    "reply_targets",
    "themes",
    "remedies",
    "ombudsman",
)


def asdict_all(value):
    """A list of dataclasses as a list of dicts; anything else as it is."""
    return [asdict(item) for item in value] if isinstance(value, list) else value
