"""What managers see across every team: each caseworker's load, the teams' queues of unassigned
cases, and lists of cases to assign or move. Aggregated in SQL and paged, so that a page costs
the same number of queries however many cases there are."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.casework import clocks
from portal.casework.models import CaseworkerSettings
from portal.casework.services import cases_with_remedies_overdue, remedy_overdue_sql
from portal.core.complaint_code import STAGE_2, STAGE_LABELS
from portal.core.forms import whole_number
from portal.core.paging import Paged, clamp_page, count_up_to, page_by_key, shown_count
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback.models import Case

PER_PAGE = 25

LISTS = {
    "unassigned": "Unassigned",
    "overdue": "Overdue",
    "stage2": STAGE_LABELS[STAGE_2],
    "remedies": "Remedies overdue",
}


@dataclass(frozen=True)
class Load:
    """One caseworker's workload."""

    id: int
    name: str
    role: str
    team_id: int | None
    team_name: str | None
    active: bool
    open_cases: int
    due_soon: int
    overdue: int
    capacity: int
    accepting: bool
    handles_stage_2: bool = False

    @property
    def at_capacity(self) -> bool:
        return self.open_cases >= self.capacity

    @property
    def is_caseworker(self) -> bool:
        return self.role == roles.CASEWORKER

    @property
    def available(self) -> bool:
        """Whether routing would give them a new case now (as routing.least_loaded sees it)."""
        return self.active and self.accepting and not self.at_capacity


def workload(on: date | None = None) -> list[Load]:
    """Every active caseworker, and anyone else still holding open cases (a disabled account,
    say), with their open, due soon and overdue cases: one query."""
    on = on or london_today()
    deadline = clocks.next_deadline_sql()
    per_caseworker = (
        sa.select(
            Case.caseworker_id.label("caseworker_id"),
            sa.func.count(Case.id).label("open_cases"),
            sa.func.count(sa.case((sa.and_(deadline >= on, deadline <= clocks.due_soon_limit(on)), 1))).label(
                "due_soon"
            ),
            sa.func.count(sa.case((deadline < on, 1))).label("overdue"),
        )
        .where(Case.is_open, Case.caseworker_id.is_not(None))
        .group_by(Case.caseworker_id)
        .subquery()
    )
    open_cases = sa.func.coalesce(per_caseworker.c.open_cases, 0)
    query = (
        sa.select(
            User.id,
            User.name,
            User.role,
            User.team_id,
            Team.name.label("team_name"),
            User.disabled_at.is_(None).label("active"),
            open_cases.label("open_cases"),
            sa.func.coalesce(per_caseworker.c.due_soon, 0).label("due_soon"),
            sa.func.coalesce(per_caseworker.c.overdue, 0).label("overdue"),
            sa.func.coalesce(CaseworkerSettings.capacity, CaseworkerSettings.DEFAULT_CAPACITY).label("capacity"),
            sa.func.coalesce(CaseworkerSettings.accepting_new_cases, sa.true()).label("accepting"),
            sa.func.coalesce(CaseworkerSettings.handles_stage_2, sa.false()).label("handles_stage_2"),
        )
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(CaseworkerSettings, CaseworkerSettings.user_id == User.id)
        .outerjoin(per_caseworker, per_caseworker.c.caseworker_id == User.id)
        .where(
            sa.or_(
                sa.and_(User.role == roles.CASEWORKER, User.disabled_at.is_(None)),
                open_cases > 0,
            )
        )
        .order_by(Team.name.is_(None), Team.name, User.name, User.id)
    )
    return [
        Load(
            **{
                **row._asdict(),
                "active": bool(row.active),
                "accepting": bool(row.accepting),
                "handles_stage_2": bool(row.handles_stage_2),
            }
        )
        for row in db.session.execute(query)
    ]


@dataclass(frozen=True)
class Queue:
    """A team's unassigned open cases (team None: cases with no team at all)."""

    team_id: int | None
    team_name: str
    waiting: int
    overdue: int
    urgent: int
    oldest: object  # the earliest received_at, or None


def team_queues(teams: list[Team], on: date | None = None) -> list[Queue]:
    """Unassigned open cases per team, in one query; every team is listed, even with none
    waiting, and cases with no team get a row of their own when there are any."""
    on = on or london_today()
    deadline = clocks.next_deadline_sql()
    rows = db.session.execute(
        sa.select(
            Case.team_id,
            sa.func.count(Case.id).label("waiting"),
            sa.func.count(sa.case((deadline < on, 1))).label("overdue"),
            sa.func.count(sa.case((Case.urgent.is_(True), 1))).label("urgent"),
            sa.func.min(Case.received_at).label("oldest"),
        )
        .where(Case.is_open, Case.caseworker_id.is_(None))
        .group_by(Case.team_id)
    ).all()
    by_team = {row.team_id: row for row in rows}
    queues = []
    for team in teams:
        row = by_team.get(team.id)
        queues.append(
            Queue(
                team.id,
                team.name,
                row.waiting if row else 0,
                row.overdue if row else 0,
                row.urgent if row else 0,
                row.oldest if row else None,
            )
        )
    loose = by_team.get(None)
    if loose is not None:
        queues.append(Queue(None, "No team", loose.waiting, loose.overdue, loose.urgent, loose.oldest))
    return queues


def list_condition(name: str, *, team: str = "", caseworker_id: int | None = None, on: date | None = None):
    """The cases in one of the oversight lists: "unassigned" (optionally one team's, or "none"
    for cases with no team), "overdue", "stage2", or "caseworker" (one person's open cases)."""
    on = on or london_today()
    if name == "caseworker":
        return sa.and_(Case.is_open, Case.caseworker_id == caseworker_id)
    if name == "overdue":
        return sa.and_(Case.is_open, clocks.next_deadline_sql() < on)
    if name == "stage2":
        return sa.and_(Case.is_open, Case.stage == STAGE_2)
    if name == "remedies":
        return remedy_overdue_sql(on)
    condition = sa.and_(Case.is_open, Case.caseworker_id.is_(None))
    if team == "none":
        condition = sa.and_(condition, Case.team_id.is_(None))
    elif whole_number(team) is not None:
        condition = sa.and_(condition, Case.team_id == whole_number(team))
    return condition


def list_counts(on: date | None = None, visible=None) -> dict[str, int]:
    """How many cases each fixed list holds, of those ``visible`` (a condition), in one query:
    the open lists' from the open cases only, remedies overdue (open or closed) up to a limit."""
    visible = sa.true() if visible is None else visible
    columns = [
        sa.func.count(sa.case((list_condition(name, on=on), 1))).label(name) for name in LISTS if name != "remedies"
    ]
    columns.append(count_up_to(cases_with_remedies_overdue(on).where(visible)).label("remedies"))
    counts = dict(db.session.execute(sa.select(*columns).select_from(Case).where(visible, Case.is_open)).one()._mapping)
    counts["remedies"] = shown_count(counts["remedies"])
    return {name: counts[name] for name in LISTS}


@dataclass
class Row:
    case: Case
    stage1_name: str | None


def cases_page(condition, page: int = 1) -> Paged:
    """One page of the cases matching ``condition``, soonest deadline first (urgent first among
    equals), with each stage 2 case's stage 1 handler: two queries."""
    total = db.session.scalar(sa.select(sa.func.count(Case.id)).where(condition))
    page = clamp_page(page, total, PER_PAGE)
    stage1 = aliased(User)
    deadline = clocks.next_deadline_sql()
    query = (
        sa.select(Case, stage1.name)
        .outerjoin(stage1, stage1.id == Case.stage1_caseworker_id)
        .where(condition)
        .order_by(deadline.is_(None), deadline, Case.urgent.desc(), Case.received_at, Case.id)
    )
    query = page_by_key(query, Case.id, page, PER_PAGE).options(
        db.joinedload(Case.category), db.joinedload(Case.caseworker), db.joinedload(Case.team)
    )
    items = [Row(case, name) for case, name in db.session.execute(query).unique().all()]
    return Paged(items, total, page, PER_PAGE)
