"""Who a case goes to.

1. Continuity: the caseworker the same family (account, email) or the same child (name and
   school) already has on an open or recent case, if they are taking cases.
2. Otherwise the active caseworker in the category's team with the fewest open cases, under
   their capacity.
3. Otherwise the team's queue, for a manager to assign.

A stage 2 review goes to a named senior officer instead, never the stage 1 handler: a caseworker
marked as a stage 2 handler (the case's team's first) with the fewest open cases under capacity,
otherwise the team's lead, otherwise the manager with the fewest open cases.

The team's row is locked while choosing (on SQLite, the database's write lock), so that app
servers routing at the same moment take turns: no case is assigned twice and load stays balanced.
"""

from datetime import timedelta

import sqlalchemy as sa

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.casework.models import CaseworkerSettings
from portal.core import audit
from portal.core.complaint_code import STAGE_2
from portal.core.links import public_url
from portal.core.rules import RuleError
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback.models import Case
from portal.notifications.services import queue_email

RECENT_DAYS = 180


class AssignmentError(RuleError):
    """An assignment the rules do not allow, in words for the person making it."""


def _available_caseworkers():
    """Active caseworkers taking new cases, with their capacity."""
    capacity = sa.func.coalesce(CaseworkerSettings.capacity, CaseworkerSettings.DEFAULT_CAPACITY)
    return (
        sa.select(User.id, capacity.label("capacity"))
        .outerjoin(CaseworkerSettings, CaseworkerSettings.user_id == User.id)
        .where(
            User.role == roles.CASEWORKER,
            User.disabled_at.is_(None),
            sa.func.coalesce(CaseworkerSettings.accepting_new_cases, sa.true()),
        )
    )


def open_case_counts():
    """Open cases per caseworker, as a subquery (caseworker_id, open_cases)."""
    return (
        sa.select(Case.caseworker_id, sa.func.count(Case.id).label("open_cases"))
        .where(Case.is_open, Case.caseworker_id.is_not(None))
        .group_by(Case.caseworker_id)
        .subquery()
    )


def least_loaded(team_id: int, exclude: set[int] = frozenset()) -> User | None:
    """The team's available caseworker with the fewest open cases, under capacity."""
    counts = open_case_counts()
    available = _available_caseworkers().where(User.team_id == team_id).subquery()
    load = sa.func.coalesce(counts.c.open_cases, 0)
    query = (
        sa.select(User)
        .join(available, available.c.id == User.id)
        .outerjoin(counts, counts.c.caseworker_id == User.id)
        .where(load < available.c.capacity)
        .order_by(load, User.id)
        .limit(1)
    )
    if exclude:
        query = query.where(User.id.not_in(exclude))
    return db.session.scalars(query).first()


def continuity_caseworker(case: Case, exclude: set[int] = frozenset()) -> User | None:
    """The named caseworker this family or child already has, if they can take the case."""
    same_family = []
    if case.user_id:
        same_family.append(Case.user_id == case.user_id)
    if case.contact_email:
        same_family.append(Case.contact_email == case.contact_email)
    if case.child_name and case.child_setting:
        same_family.append(
            sa.and_(
                sa.func.lower(Case.child_name) == case.child_name.lower(),
                sa.func.lower(Case.child_setting) == case.child_setting.lower(),
            )
        )
    if not same_family:
        return None
    recent = utcnow() - timedelta(days=RECENT_DAYS)
    available = _available_caseworkers().subquery()
    query = (
        sa.select(User)
        .join(Case, Case.caseworker_id == User.id)
        .join(available, available.c.id == User.id)
        .where(
            Case.id != case.id,
            sa.or_(*same_family),
            sa.or_(Case.closed_at.is_(None), Case.closed_at >= recent),
        )
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(1)
    )
    if exclude:
        query = query.where(User.id.not_in(exclude))
    return db.session.scalars(query).first()


def may_handle_stage_2(person: User) -> bool:
    """Managers, and caseworkers marked as stage 2 handlers, while their account is active."""
    if not person.is_active:
        return False
    if person.role == roles.MANAGER:
        return True
    settings = db.session.get(CaseworkerSettings, person.id)
    return person.role == roles.CASEWORKER and bool(settings and settings.handles_stage_2)


def stage_2_officer(case: Case, exclude: set[int] = frozenset()) -> tuple[User, str] | tuple[None, None]:
    """Who reviews the complaint at stage 2, and why them (see the module's docstring)."""
    counts = open_case_counts()
    load = sa.func.coalesce(counts.c.open_cases, 0)
    handlers = (
        _available_caseworkers().where(sa.func.coalesce(CaseworkerSettings.handles_stage_2, sa.false())).subquery()
    )
    query = (
        sa.select(User)
        .join(handlers, handlers.c.id == User.id)
        .outerjoin(counts, counts.c.caseworker_id == User.id)
        .where(load < handlers.c.capacity, User.id.not_in(exclude))
        .order_by(sa.case((User.team_id == case.team_id, 0), else_=1), load, User.id)
        .limit(1)
    )
    found = db.session.scalars(query).first()
    if found is not None:
        return found, "the stage 2 handler with the fewest open cases"
    lead = case.team.lead if case.team is not None else None
    if lead is not None and lead.id not in exclude and lead.role == roles.MANAGER and may_handle_stage_2(lead):
        return lead, "stage 2: the team's lead manager"
    manager = db.session.scalars(
        sa.select(User)
        .outerjoin(counts, counts.c.caseworker_id == User.id)
        .where(User.role == roles.MANAGER, User.disabled_at.is_(None), User.id.not_in(exclude))
        .order_by(load, User.id)
        .limit(1)
    ).first()
    if manager is not None:
        return manager, "stage 2: the manager with the fewest open cases"
    return None, None


def _lock_team(team_id: int | None) -> None:
    """Make routers for the same team take turns until they commit.

    PostgreSQL locks the team's row. SQLite has no row locks and ignores FOR UPDATE, and its
    driver begins the write transaction only at the first write, so two routers could read
    the same loads; a no-op UPDATE of the team's row takes the database's write lock instead.
    """
    if team_id is None:
        return
    if db.session.get_bind().dialect.name == "sqlite":
        table = Team.__table__
        db.session.execute(sa.update(table).where(table.c.id == team_id).values(id=table.c.id))
    else:
        db.session.execute(sa.select(Team.id).where(Team.id == team_id).with_for_update())


def assign(case: Case, caseworker: User | None, reason: str, actor=None, *, team: Team | None = None) -> None:
    """Give the case to ``caseworker`` (or, with None, to ``team``'s queue), recording why."""
    if caseworker is not None:
        if caseworker.id == case.about_staff_id:
            raise AssignmentError(f"The complaint is about {caseworker.name}, so they cannot handle it")
        if (case.stage or 1) >= STAGE_2:
            if caseworker.id == case.stage1_caseworker_id:
                raise AssignmentError(f"{caseworker.name} handled stage 1, so someone else must handle stage 2")
            if not may_handle_stage_2(caseworker):
                raise AssignmentError(
                    f"{caseworker.name} cannot take a stage 2 review: it goes to a manager or a stage 2 handler"
                )
        elif caseworker.role != roles.CASEWORKER or not caseworker.is_active:
            raise AssignmentError(f"{caseworker.name} is not an active caseworker")
    old = case.caseworker_id
    case.caseworker = caseworker
    # A case follows its caseworker's team; a manager reviewing stage 2 leaves it where it is.
    if caseworker is not None and caseworker.role == roles.CASEWORKER and caseworker.team_id:
        case.team_id = caseworker.team_id
    elif team is not None:
        case.team = team
    audit.record(
        actor,
        "case.assigned" if caseworker else "case.queued",
        case,
        old=old,
        new=caseworker.id if caseworker else None,
        team=case.team_id,
        reason=reason,
    )


def route(case: Case, actor=None, also_exclude: set[int] = frozenset()) -> User | None:
    """Find the case a named caseworker, or leave it in the team's queue. Returns who.
    ``also_exclude``: people who may not have it (whoever handled the stage before)."""
    later_stage = (case.stage or 1) >= STAGE_2
    exclude = {case.stage1_caseworker_id} if later_stage and case.stage1_caseworker_id else set()
    exclude |= set(also_exclude)
    if case.about_staff_id:
        exclude.add(case.about_staff_id)
    _lock_team(case.team_id)
    if later_stage:
        caseworker, why = stage_2_officer(case, exclude)
        if caseworker is not None:
            assign(case, caseworker, why, actor)
        else:
            audit.record(
                actor, "case.queued", case, team=case.team_id, reason="no stage 2 officer: in the team's queue"
            )
    elif (caseworker := continuity_caseworker(case, exclude)) is not None:
        assign(case, caseworker, "continuity: the family's existing caseworker", actor)
    elif case.team_id is not None and (caseworker := least_loaded(case.team_id, exclude)) is not None:
        assign(case, caseworker, "the team's caseworker with the fewest open cases", actor)
    else:
        case.caseworker = None
        audit.record(
            actor, "case.queued", case, team=case.team_id, reason="no caseworker with capacity: in the team's queue"
        )
    if case.urgent:
        notify_team_lead(case)
    return caseworker


def notify_team_lead(case: Case) -> None:
    team = db.session.get(Team, case.team_id) if case.team_id else None
    lead = team.lead if team else None
    # Never to the person a complaint is about (Code 5.4).
    if lead is not None and lead.is_active and lead.id != case.about_staff_id:
        queue_email(
            lead.email,
            f"Urgent case {case.reference}",
            "urgent_case",
            case=case,
            lead=lead,
            link=_case_link(case),
        )


def _case_link(case: Case) -> str:
    return public_url("casework.case", reference=case.reference)
