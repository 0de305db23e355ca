"""Demo content for a laptop or a training copy, made by ``flask seed-demo``: teams, categories
and accounts, the demo's cases and three terms of past feedback (made through the real casework
actions under a controlled clock), consultations, You Said, We Did, families' answers to the
satisfaction survey, a published termly update, last year's published annual complaints report
with its governance pack and equality monitoring answers, last year's Local Offer comments summary,
ways to take part, the improvement plan and a board pack for its board.

It sits above every domain and nothing in the portal but the command imports it. Running it
again changes nothing: whatever is there already is left as it is."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context

from portal.accounts.models import User
from portal.core.time import utcnow
from portal.demo import cases, history, playback, rights
from portal.demo.accounts import (
    DEMO_APP_SECRET,
    MANAGER,
    seed_accounts,
    seed_categories,
    seed_staff,
    seed_team_leads,
    seed_teams,
)
from portal.demo.consultations import seed_alert_choice, seed_consultations
from portal.demo.improvement import seed_improvement
from portal.demo.reports import (
    seed_annual_report,
    seed_board_pack,
    seed_equality_answers,
    seed_local_offer_summary,
    seed_termly_update,
)
from portal.demo.surveys import seed_survey_answers
from portal.demo.take_part import seed_take_part
from portal.demo.yousaid import seed_you_said
from portal.extensions import db
from portal.feedback.models import Case

__all__ = ["DEMO_APP_SECRET", "phone_only_case", "seed", "seed_categories", "seed_teams"]


def seed(password: str) -> list[tuple[User, bool]]:
    """Add whatever of the demo is missing, and commit. Returns the demo accounts, each with
    whether it was made just now."""
    with _request_for_email():
        return _seed(password)


@contextmanager
def _request_for_email() -> Iterator[None]:
    """Email is rendered with the pages' layout, which reads the request: outside one (a test's
    app context), a request on the public address, as the command line makes."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        yield


def _seed(password: str) -> list[tuple[User, bool]]:
    teams = seed_teams()
    seed_categories(teams)
    accounts = seed_accounts(password, teams)
    cases.seed_themes()
    cases.seed_templates()
    # The demo's families and staff are invented: what the actions email them counts as sent.
    with playback.mail_marked_sent():
        seed_staff(teams)
        db.session.flush()
        seed_team_leads()
        playback.play(cases.demo_cases() + history.demo_plans(utcnow()))
        rights.seed_data_requests(MANAGER, "parent@example.org")
    seed_consultations()
    with playback.mail_marked_sent():
        seed_take_part()
    seed_alert_choice()
    seed_you_said()
    seed_survey_answers()
    seed_termly_update()
    seed_equality_answers()
    seed_annual_report()
    seed_local_offer_summary()
    seed_improvement()
    seed_board_pack()
    db.session.commit()
    return accounts


def phone_only_case() -> tuple[str, str] | None:
    """The reference and phone number of the demo family who gave only a phone number."""
    reference = db.session.scalar(db.select(Case.reference).where(Case.submission_key == cases.PHONE_ONLY_KEY))
    return (reference, cases.PHONE_ONLY_NUMBER) if reference else None
