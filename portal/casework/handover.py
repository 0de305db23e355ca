"""Handing over the open cases of someone whose account is disabled: each goes through the
routing rules again (or to the team's queue), in the same transaction, and each family is told
who their new named contact is. No case is left with a disabled caseworker."""

import sqlalchemy as sa

from portal.casework import routing
from portal.core import audit
from portal.core.wording import render_family_text
from portal.extensions import db
from portal.feedback.models import Case, CaseMessage
from portal.feedback.services import email_family

AUDIT_LABELS = {"case.handed_over": "Handed over: the caseworker's account was disabled"}


def open_cases_of(user) -> list[Case]:
    return db.session.scalars(
        sa.select(Case)
        .options(sa.orm.joinedload(Case.team))
        .where(Case.caseworker_id == user.id, Case.is_open)
        .order_by(Case.received_at, Case.id)
    ).all()


def describe(case: Case) -> str:
    """One line about the case for the administrator, who cannot open it."""
    stage = f", stage {case.stage}" if case.stage else ""
    team = f" ({case.team.name})" if case.team else ""
    return f"{case.reference}: {case.kind}{stage}{team}"


def hand_over_open_cases(user, actor) -> list[Case]:
    """Route each of the disabled person's open cases again, and tell each family. Returns them."""
    cases = open_cases_of(user)
    for case in cases:
        case.caseworker = None
        audit.record(actor, "case.handed_over", case, old=user.id)
        routing.route(case, actor)
        _tell_family(case)
    return cases


def _tell_family(case: Case) -> None:
    if case.anonymous:
        return
    text = render_family_text("casework/messages/new_contact.txt", case=case)
    db.session.add(CaseMessage(case=case, body=text))
    email_family(case, f"Your new named contact for {case.reference}", "caseworker_reply", body=text)
