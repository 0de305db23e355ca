"""The plan as published: a version's frozen document read back as typed dataclasses, and the
one rule of what counts as behind schedule.

Everything the public sees of the plan (the page, each version, the feed, the open data), and
what the board pack and the termly update will quote, is read from here: never from the
working rows, which hold drafts.
"""

from dataclasses import asdict, dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from portal.core.time import LONDON
from portal.extensions import db
from portal.improvement.models import (
    AT_RISK,
    DONE,
    HORIZON_LABELS,
    NOT_STARTED,
    OFF_TRACK,
    ON_TRACK,
    OWNER_LABELS,
    STATUS_LABELS,
    PlanVersion,
)

# The order an area's status is chosen in: the worst of its milestones' statuses.
WORST_FIRST = (OFF_TRACK, AT_RISK, ON_TRACK, NOT_STARTED, DONE)


def is_late(status: str, target_on: date, today: date) -> bool:
    """A milestone is late when its target date has passed and it is not done."""
    return status != DONE and target_on < today


@dataclass(frozen=True)
class StatusChange:
    status: str
    reason: str
    changed_on: date

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Milestone:
    id: int
    title: str
    horizon_months: int
    target_on: date
    status: str
    history: list[StatusChange] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def horizon_label(self) -> str:
        return HORIZON_LABELS[self.horizon_months]

    def is_late(self, today: date) -> bool:
        return is_late(self.status, self.target_on, today)

    def is_behind(self, today: date) -> bool:
        return self.status == OFF_TRACK or self.is_late(today)


@dataclass(frozen=True)
class Action:
    id: int
    title: str
    owner: str
    lead_name: str
    lead_role: str
    milestones: list[Milestone] = field(default_factory=list)

    @property
    def owner_label(self) -> str:
        return OWNER_LABELS[self.owner]


@dataclass(frozen=True)
class MeasureValue:
    period: str
    measured_on: date
    value: float
    source: str


@dataclass(frozen=True)
class Measure:
    id: int
    title: str
    unit: str
    baseline: float
    target: float
    higher_is_better: bool
    computed_from: str | None  # the label of the portal's own source, when computed
    values: list[MeasureValue] = field(default_factory=list)

    @property
    def latest(self) -> MeasureValue | None:
        return self.values[-1] if self.values else None


@dataclass(frozen=True)
class Evidence:
    kind: str  # YOU_SAID, CONSULTATION or THEME
    title: str
    url: str | None
    note: str | None = None  # a consultation's outcome, when published


YOU_SAID = "you_said"
CONSULTATION = "consultation"
THEME = "theme"
EVIDENCE_LABELS = {
    YOU_SAID: "You Said, We Did",
    CONSULTATION: "Consultation",
    THEME: "What complaints taught us",
}


@dataclass(frozen=True)
class Area:
    id: int
    title: str
    finding: str
    actions: list[Action] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def milestones(self) -> list[Milestone]:
        return [milestone for action in self.actions for milestone in action.milestones]

    @property
    def milestones_done(self) -> int:
        return sum(milestone.status == DONE for milestone in self.milestones)

    @property
    def status(self) -> str:
        """The worst status among its milestones (not started when it has none)."""
        statuses = {milestone.status for milestone in self.milestones}
        return next((status for status in WORST_FIRST if status in statuses), NOT_STARTED)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class Plan:
    number: int
    published_at: datetime
    summary: str
    areas: list[Area] = field(default_factory=list)

    @property
    def published_on(self) -> date:
        return self.published_at.astimezone(LONDON).date()


@dataclass(frozen=True)
class Behind:
    """A milestone that has not made enough progress, with where it belongs."""

    area: Area
    action: Action
    milestone: Milestone
    off_track: bool
    late: bool


def behind_schedule(plan: Plan | None, today: date) -> list[Behind]:
    """Every milestone of ``plan`` that is off track, or whose target date is before ``today``
    without being done, in the plan's order. The public page always lists them all."""
    if plan is None:
        return []
    return [
        Behind(area, action, milestone, milestone.status == OFF_TRACK, milestone.is_late(today))
        for area in plan.areas
        for action in area.actions
        for milestone in action.milestones
        if milestone.is_behind(today)
    ]


# --- to and from the frozen document ------------------------------------------------------


def to_document(areas: list[Area]) -> dict:
    """The areas as JSON-ready data (dates as ISO text), as a version keeps them."""
    return {"areas": [_plain(asdict(area)) for area in areas]}


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _milestone(data: dict) -> Milestone:
    history = [StatusChange(c["status"], c["reason"], date.fromisoformat(c["changed_on"])) for c in data["history"]]
    return Milestone(
        data["id"],
        data["title"],
        data["horizon_months"],
        date.fromisoformat(data["target_on"]),
        data["status"],
        history,
    )


def _measure(data: dict) -> Measure:
    values = [
        MeasureValue(v["period"], date.fromisoformat(v["measured_on"]), v["value"], v["source"]) for v in data["values"]
    ]
    fixed = {name: data[name] for name in ("id", "title", "unit", "baseline", "target", "higher_is_better")}
    return Measure(**fixed, computed_from=data.get("computed_from"), values=values)


def _area(data: dict) -> Area:
    actions = [
        Action(
            a["id"], a["title"], a["owner"], a["lead_name"], a["lead_role"], [_milestone(m) for m in a["milestones"]]
        )
        for a in data["actions"]
    ]
    return Area(
        data["id"],
        data["title"],
        data["finding"],
        actions,
        [_measure(m) for m in data["measures"]],
        [Evidence(**e) for e in data["evidence"]],
    )


def plan_of(version: PlanVersion) -> Plan:
    return Plan(version.number, version.published_at, version.summary, [_area(a) for a in version.plan["areas"]])


# --- reading the published versions -------------------------------------------------------


def published_plan() -> Plan | None:
    """The newest published version of the plan, or None before the first. One query."""
    version = db.session.scalar(
        sa.select(PlanVersion).options(sa.orm.undefer(PlanVersion.plan)).order_by(PlanVersion.number.desc()).limit(1)
    )
    return plan_of(version) if version is not None else None


def published_version(number: int) -> Plan | None:
    version = db.session.scalar(
        sa.select(PlanVersion).options(sa.orm.undefer(PlanVersion.plan)).where(PlanVersion.number == number)
    )
    return plan_of(version) if version is not None else None


def versions() -> list[PlanVersion]:
    """Every published version, newest first, without their documents. One query."""
    return list(db.session.scalars(sa.select(PlanVersion).order_by(PlanVersion.number.desc())))
