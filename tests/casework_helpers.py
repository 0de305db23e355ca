"""Test data for the casework tests: cases made straight in the database in the state a test
needs, or submitted through the feedback service so that the real receivers route them."""

import secrets
from itertools import count

from portal.accounts.models import Team, User
from portal.casework.models import CaseworkerSettings
from portal.core.models import AuditEvent
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Case, Category, FeedbackDraft
from tests.factories import give_app_code

_numbers = count(1)


def team_id(name: str) -> int:
    """The team called ``name``, made if missing. Call inside an app context."""
    team = db.session.scalar(db.select(Team).where(Team.name == name))
    if team is None:
        team = Team(name=name)
        db.session.add(team)
        db.session.commit()
    return team.id


def category_id(name: str, team: str) -> int:
    """The category called ``name``, handled by ``team``, made if missing."""
    category = db.session.scalar(db.select(Category).where(Category.name == name))
    if category is None:
        category = Category(name=name, team_id=team_id(team))
        db.session.add(category)
        db.session.commit()
    return category.id


def set_lead(team: str, person) -> None:
    db.session.get(Team, team_id(team)).lead_id = person.id if person else None
    db.session.commit()


def settings(person, *, capacity: int | None = None, accepting: bool = True, stage_2: bool = False) -> None:
    row = db.session.get(CaseworkerSettings, person.id) or CaseworkerSettings(user_id=person.id)
    row.accepting_new_cases = accepting
    row.handles_stage_2 = stage_2
    if capacity is not None:
        row.capacity = capacity
    db.session.add(row)
    db.session.commit()


def new_case(
    *,
    team: str | None = None,
    category: int | None = None,
    caseworker=None,
    kind: str = "complaint",
    status: str = "received",
    **fields,
) -> str:
    """Make a case directly (no routing, no clocks unless given). Returns its reference.

    ``caseworker`` is a Person (or None); ``team`` a team name (defaults to the category's).
    Any other Case column can be given, for example ``acknowledge_by=date(...)``.
    """
    number = next(_numbers)
    category_row = db.session.get(Category, category) if category else None
    values = dict(
        reference=f"CAN-2025-{number:05d}",
        submission_key=secrets.token_urlsafe(16),
        kind=kind,
        status=status,
        stage=1 if kind == "complaint" else None,
        what_happened=f"Case number {number} about something that happened.",
        contact_name=f"Family {number}",
        contact_email=f"family{number}@example.org",
        child_name=f"Child {number}",
        child_setting=f"School {number}",
    )
    values.update(fields)
    if status == "closed" and "closed_at" not in fields:
        values["closed_at"] = utcnow()
    case = Case(**values)
    case.category = category_row
    if team is not None:
        case.team_id = team_id(team)
    elif category_row is not None:
        case.team_id = category_row.team_id
    if caseworker is not None:
        case.caseworker_id = caseworker.id
    db.session.add(case)
    db.session.commit()
    return case.reference


def get_case(reference: str) -> Case:
    return db.session.scalar(db.select(Case).where(Case.reference == reference))


def answers_for(category: int, **overrides) -> dict:
    """A complete set of answers to the feedback journey: a complaint wanting a reply."""
    answers = {
        "kind": "complaint",
        "worried": "no",
        "category_id": str(category),
        "triage": "none",
        "what_happened": "The taxi did not come for three weeks.",
        "outcome_wanted": "A reliable taxi.",
        "child_seen": "1",
        "child_name": "Sam",
        "child_setting": "Riverside Primary",
        "speaker": "parent",
        "young_person_age": "no",
        "reply": "yes",
        "contact_name": "Jo Smith",
        "contact_email": "jo@example.org",
        "adjustments_seen": "1",
        "adjustments": [],
        "evidence_seen": "1",
    }
    if overrides.get("worried") == "yes":
        answers["urgent_seen"] = "1"
    answers.update(overrides)
    return answers


def submit_case(app, category: int, user=None, **overrides) -> str:
    """Submit feedback through the feedback service, as the journey's last page does, so the
    clocks start and the case is routed by the real receivers. Returns the reference."""
    with app.test_request_context():
        draft = FeedbackDraft(key=secrets.token_urlsafe(32), answers=answers_for(category, **overrides))
        db.session.add(draft)
        db.session.flush()
        signed_in = db.session.get(User, user.id) if user is not None else None
        case = feedback_services.submit(draft, signed_in)
        db.session.commit()
        return case.reference


def events_for(reference: str, action: str | None = None) -> list[AuditEvent]:
    case = get_case(reference)
    query = db.select(AuditEvent).where(
        AuditEvent.object_type == Case.__tablename__, AuditEvent.object_id == str(case.id)
    )
    if action:
        query = query.where(AuditEvent.action == action)
    return db.session.scalars(query.order_by(AuditEvent.id)).all()


def sign_in(client, person) -> None:
    response = give_app_code(
        client, client.post("/sign-in", data={"email": person.email, "password": person.password}), person.email
    )
    assert response.status_code == 302, "could not sign in"


def answer_stage_1(case: Case | str, actor=None) -> Case:
    """Send the stage 1 response through the casework services, as its handler would (any
    staff member when it has none), so that the family can ask for stage 2. Call inside a
    request context; the caller commits."""
    from portal.accounts import roles
    from portal.casework import services as casework_services

    if isinstance(case, str):
        case = db.session.scalar(db.select(Case).where(Case.reference == case))
    actor = actor or case.caseworker or db.session.scalar(db.select(User).where(User.role == roles.MANAGER))
    if actor is None:
        from tests.factories import make_user

        actor = db.session.get(User, make_user(roles.MANAGER).id)
    if case.acknowledged_at is None:
        casework_services.acknowledge(case, actor)
    casework_services.record_outcome(case, actor, outcome="not_upheld", summary="We looked into what happened.")
    return case
