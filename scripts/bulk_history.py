"""Many invented cases at once, for scripts/benchmark_reports.py: 100,000 cases over three years.

The cases are planned by portal.demo.history, the planner of seed-demo's past feedback, but not
played through the real actions as seed-demo's are: that takes tens of milliseconds a step, so
hours for 100,000 cases. They are written instead with Core INSERTs in batches, and carry what
the report and list pages read: each case's columns, its deadline history (with short reasons,
not the actions' wording) and its responses with their themes and remedies. No messages, audit
events or email. References are reserved with one UPDATE of the counter per year, so feedback
sent afterwards gets the next number. Nothing in the portal imports this module.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.accounts import roles
from portal.accounts.models import User
from portal.casework import remedy_due
from portal.casework.clocks import ACKNOWLEDGE, RESPOND
from portal.casework.models import CaseOutcome, DeadlineChange, Remedy, outcome_theme
from portal.core.calendar import add_working_days, receipt_day
from portal.core.complaint_code import ACKNOWLEDGE_DAYS, RESPOND_DAYS
from portal.core.time import utcnow
from portal.demo import plans
from portal.demo.history import SEED, arrival, case_rng, plan_case
from portal.demo.plans import PlannedCase, Step, london_day
from portal.extensions import db
from portal.feedback import journey
from portal.feedback.models import (
    ACKNOWLEDGED,
    CLOSED,
    COMPLAINT,
    ESCALATED,
    RECEIVED,
    RESPONDED,
    Case,
    Category,
    ReferenceCounter,
)
from portal.themes.models import LearningTheme

BULK_PREFIX = "bulk-"


@dataclass(frozen=True)
class Staff:
    """What the rows refer to: categories (name -> id, team id), themes, caseworkers by team."""

    categories: dict[str, tuple[int, int | None]]
    themes: dict[str, int]
    teams: dict[int | None, list[int]]
    everyone: list[int]

    @classmethod
    def load(cls) -> "Staff":
        people = db.session.execute(
            sa.select(User.id, User.team_id)
            .where(User.role == roles.CASEWORKER, User.disabled_at.is_(None))
            .order_by(User.id)
        ).all()
        teams: dict[int | None, list[int]] = {}
        for person, team in people:
            teams.setdefault(team, []).append(person)
        return cls(
            categories={
                name: (id_, team)
                for id_, name, team in db.session.execute(sa.select(Category.id, Category.name, Category.team_id))
            },
            themes=dict(db.session.execute(sa.select(LearningTheme.name, LearningTheme.id)).all()),
            teams=teams,
            everyone=[person for person, _ in people],
        )


@dataclass
class Rows:
    """The rows one planned case becomes, before ids are known."""

    case: dict
    changes: list[dict] = field(default_factory=list)
    outcomes: list[tuple[dict, list[int], list[dict]]] = field(default_factory=list)  # outcome, theme ids, remedies

    def set_clock(self, at: datetime, clock: str, new: date, why: str, by: int | None) -> None:
        column = "acknowledge_by" if clock == ACKNOWLEDGE else "respond_by"
        old, self.case[column] = self.case[column], new
        change = dict(stage=self.case["stage"] or 1, clock=clock, old_date=old, new_date=new, changed_at=at)
        self.changes.append(dict(change, reason=f"Benchmark data: {why}", changed_by_id=by))


def _columns(plan: PlannedCase, staff: Staff, reference: str, handler: int | None) -> dict:
    """The case as the family sent it, from their answers to the journey."""
    answers = plan.answers
    category_id, team_id = staff.categories.get(plan.category) or next(iter(staff.categories.values()))
    complaint = plan.kind == COMPLAINT
    letter = answers.get("decision_letter_date")
    adjustments = set(answers.get("adjustments", []))
    return dict(
        reference=reference,
        submission_key=plan.key,
        kind=plan.kind,
        category_id=category_id,
        team_id=team_id,
        caseworker_id=handler,
        status=RECEIVED,
        stage=1 if complaint else None,
        urgent=answers.get("worried") == "yes",
        triage_route=journey.ROUTE_OF_TRIAGE.get(answers.get("triage")) if complaint else None,
        decision_letter_date=date.fromisoformat(letter) if letter else None,
        what_happened=answers["what_happened"],
        outcome_wanted=answers.get("outcome_wanted"),
        **{key: answers.get(key) for key in ("child_name", "child_year_group", "child_setting", "child_has_ehc_plan")},
        anonymous=answers.get("reply") != "yes",
        **{key: answers.get(key) for key in ("contact_name", "contact_email", "contact_phone", "preferred_contact")},
        relationship_to_child=answers.get("relationship"),
        needs_easy_read="easy_read" in adjustments,
        interpreter_language=answers.get("interpreter_language"),
        wants_learning_updates=plan.wants_updates,
        received_at=plan.received_at,
        acknowledge_by=None,
        acknowledged_at=None,
        respond_by=None,
        responded_at=None,
        escalated_at=None,
        closed_at=None,
        extension_used=False,
        stage1_caseworker_id=None,
        not_complaint_reason=None,
    )


def _start_stage(rows: Rows, at: datetime) -> None:
    stage = rows.case["stage"]
    rows.case.update(extension_used=False, respond_by=None)
    due = add_working_days(receipt_day(london_day(at)), ACKNOWLEDGE_DAYS[stage])
    rows.set_clock(at, ACKNOWLEDGE, due, f"stage {stage} received", None)


def _acknowledge(rows: Rows, step: Step, staff: Staff) -> None:
    rows.case.update(acknowledged_at=step.at, status=ACKNOWLEDGED)
    if rows.case["stage"]:
        due = add_working_days(receipt_day(london_day(step.at)), RESPOND_DAYS[rows.case["stage"]])
        rows.set_clock(step.at, RESPOND, due, "acknowledged", rows.case["caseworker_id"])


def _extend(rows: Rows, step: Step, staff: Staff) -> None:
    rows.case["extension_used"] = True
    due = add_working_days(rows.case["respond_by"], step.details["working_days"])
    rows.set_clock(step.at, RESPOND, due, "extended", rows.case["caseworker_id"])


def _respond(rows: Rows, step: Step, staff: Staff) -> None:
    details, complaint = step.details, rows.case["kind"] == COMPLAINT
    outcome = dict(
        stage=rows.case["stage"] if complaint else None,
        outcome=details.get("outcome") if complaint else None,
        summary=details["summary"],
        recorded_by_id=rows.case["caseworker_id"],
        recorded_at=step.at,
    )
    themes = [staff.themes[name] for name in details.get("themes", []) if name in staff.themes]
    remedies = [
        dict(kind=kind, description=description, due_on=due_on, done_at=None)
        for kind, description, due_on in (details.get("remedies", []) if complaint else [])
    ]
    rows.outcomes.append((outcome, themes, remedies))
    rows.case.update(responded_at=step.at, status=RESPONDED)


def _remedy_done(rows: Rows, step: Step, staff: Staff) -> None:
    """The first promise with this description still to do is done."""
    promised = (remedy for _, _, remedies in rows.outcomes for remedy in remedies)
    remedy = next(r for r in promised if r["description"] == step.details["description"] and r["done_at"] is None)
    remedy["done_at"] = step.at


def _close(rows: Rows, step: Step, staff: Staff) -> None:
    rows.case.update(status=CLOSED, closed_at=step.at)


def _not_a_complaint(rows: Rows, step: Step, staff: Staff) -> None:
    rows.case.update(not_complaint_reason=step.details["reason"], stage=None, acknowledge_by=None, respond_by=None)
    _close(rows, step, staff)


def _escalate(rows: Rows, step: Step, staff: Staff) -> None:
    """Stage 2, for someone in the team (or else anyone) who did not handle stage 1."""
    first = rows.case["caseworker_id"]
    same_team = [person for person in staff.teams.get(rows.case["team_id"], []) if person != first]
    others = same_team or [person for person in staff.everyone if person != first]
    rows.case.update(
        stage=2,
        status=ESCALATED,
        escalated_at=step.at,
        acknowledged_at=None,
        responded_at=None,
        stage1_caseworker_id=first,
        caseworker_id=others[int(step.details.get("draw", 0) * len(others))] if others else None,
    )
    _start_stage(rows, step.at)


STEPS: dict[str, Callable[[Rows, Step, Staff], None]] = {
    plans.ACKNOWLEDGE: _acknowledge,
    plans.EXTEND: _extend,
    plans.RESPOND: _respond,
    plans.CLOSE: _close,
    plans.NOT_A_COMPLAINT: _not_a_complaint,
    plans.ESCALATE: _escalate,
    plans.REMEDY_DONE: _remedy_done,
}


def case_rows(plan: PlannedCase, staff: Staff, reference: str, handler: int | None) -> Rows:
    rows = Rows(_columns(plan, staff, reference, handler))
    if rows.case["stage"]:
        _start_stage(rows, plan.received_at)
    for step in plan.steps:
        STEPS[step.action](rows, step, staff)
    return rows


# --- writing --------------------------------------------------------------------------------


def _insert(table: sa.Table, rows: list[dict], returning: bool = False) -> list[int]:
    if not rows:
        return []
    statement = sa.insert(table)
    if returning:
        statement = statement.returning(table.c.id, sort_by_parameter_order=True)
        return list(db.session.execute(statement, rows).scalars())
    db.session.execute(statement, rows)
    return []


def write(rows: list[Rows]) -> None:
    """Insert the cases and what goes with them, a few statements per table."""
    case_ids = _insert(Case.__table__, [r.case for r in rows], returning=True)
    changes, outcomes, owners = [], [], []
    for case_id, r in zip(case_ids, rows, strict=True):
        changes += [dict(change, case_id=case_id) for change in r.changes]
        for outcome, themes, remedies in r.outcomes:
            outcomes.append(dict(outcome, case_id=case_id))
            owners.append((themes, remedies))
    _insert(DeadlineChange.__table__, changes)
    outcome_ids = _insert(CaseOutcome.__table__, outcomes, returning=True)
    themes, remedies = [], []
    for outcome_id, (theme_ids, outcome_remedies) in zip(outcome_ids, owners, strict=True):
        themes += [dict(outcome_id=outcome_id, theme_id=theme_id) for theme_id in dict.fromkeys(theme_ids)]
        remedies += [dict(remedy, outcome_id=outcome_id) for remedy in outcome_remedies]
    _insert(outcome_theme, themes)
    _insert(Remedy.__table__, remedies)
    if remedies:
        remedy_due.refresh(db.session.connection(), case_ids=case_ids)


def reserve_references(years: Iterable[int]) -> Callable[[int], str]:
    """Take references for many cases at once: one UPDATE of the counter per year (its row lock
    makes anyone submitting meanwhile wait, as allocate_reference does). Returns a function
    giving the next reserved reference of a year."""
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    wanted: dict[int, int] = {}
    for year in years:
        wanted[year] = wanted.get(year, 0) + 1
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    next_number: dict[int, int] = {}
    for year, how_many in sorted(wanted.items()):
        db.session.execute(
            insert(ReferenceCounter).values(year=year, last_number=0).on_conflict_do_nothing(index_elements=["year"])
        )
        last = db.session.execute(
            sa.update(ReferenceCounter)
            .where(ReferenceCounter.year == year)
            .values(last_number=ReferenceCounter.last_number + how_many)
            .returning(ReferenceCounter.last_number)
        ).scalar_one()
        next_number[year] = last - how_many + 1

    def take(year: int) -> str:
        number = next_number[year]
        next_number[year] = number + 1
        return f"CAN-{year}-{number:05d}"

    return take


# --- planning ---------------------------------------------------------------------------------


def _arrival(rng: random.Random, now: datetime, days: int) -> datetime:
    return arrival(now - timedelta(days=days), now - timedelta(minutes=30), rng.random())


def bulk_received(number: int, now: datetime, days: int, seed: int = SEED) -> datetime:
    """When bulk case ``number`` arrived: on any day of the ``days`` before now."""
    return _arrival(case_rng(number, seed), now, days)


def bulk_plan(number: int, now: datetime, days: int, staff: Staff, seed: int = SEED) -> tuple[PlannedCase, int | None]:
    """The case, and the caseworker in its category's team it goes to."""
    rng = case_rng(number, seed)
    plan = plan_case(f"{BULK_PREFIX}{number:07d}", rng, _arrival(rng, now, days), now)
    team = staff.teams.get((staff.categories.get(plan.category) or (None, None))[1]) or []
    return plan, rng.choice(team) if team else None


def insert_bulk(
    count: int,
    *,
    days: int = 3 * 365,
    now: datetime | None = None,
    batch: int = 2000,
    first: int = 1,
    seed: int = SEED,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``count`` planned cases received over the ``days`` before now, numbered from
    ``first`` (keys "bulk-NNNNNNN"); commits after each batch. Returns how many were inserted."""
    now = now or utcnow()
    staff = Staff.load()
    numbers = range(first, first + count)
    received = {number: bulk_received(number, now, days, seed) for number in numbers}
    in_order = sorted(numbers, key=lambda number: (received[number], number))
    take = reserve_references(london_day(received[number]).year for number in in_order)
    db.session.commit()
    done = 0
    for start in range(0, len(in_order), batch):
        rows = []
        for number in in_order[start : start + batch]:
            plan, handler = bulk_plan(number, now, days, staff, seed)
            rows.append(case_rows(plan, staff, take(london_day(plan.received_at).year), handler))
        write(rows)
        db.session.commit()
        done += len(rows)
        if progress:
            progress(done)
    return done
