"""The demo's published documents for seed-demo: last term's termly update, frozen as its first
version with its PDF, so that /updates has one to read (the current term's is left for the demo
manager to write); last financial year's annual complaints report with its governance pack and
the equality monitoring answers it counts; and last year's Local Offer comments summary."""

from datetime import datetime, timedelta

import sqlalchemy as sa
import time_machine

from portal.accounts.models import User
from portal.core.terms import recent_terms
from portal.core.time import LONDON, utcnow
from portal.equality import services as equality
from portal.equality.questions import CONSULTATION, FEEDBACK, QUESTION_KEYS
from portal.extensions import db
from portal.improvement import published as improvement_published
from portal.reports import annual, board_pack, governance, local_offer, periods, termly
from portal.reports.models import MET, PARTLY_MET, TermlyUpdate


def seed_termly_update(now: datetime | None = None) -> bool:
    """The last term's update, published a week ago and frozen then as version 1 with its PDF,
    so that /updates has one to read. The current term's is left for the demo manager to
    write. Returns whether it was added."""
    now = now or utcnow()
    previous = recent_terms(now.astimezone(LONDON).date(), 2)[1]
    if db.session.scalar(sa.select(TermlyUpdate.id).where(TermlyUpdate.term == previous.slug)) is not None:
        return False
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    published_at = now - timedelta(days=7)
    update = TermlyUpdate(
        term=previous.slug,
        introduction=(
            "Thank you to every family and young person who told us what they think this term. "
            "Here is what you told us, how quickly we answered, and what we are changing because of it."
        ),
        priorities=(
            "Answer every complaint within the Code's timescales, and tell families early when we need longer.\n"
            "Give every family a named caseworker they can reach directly.\n"
            "Rebuild the Local Offer website with families and the youth forum."
        ),
        published_at=published_at,
        published_by_id=manager.id if manager else None,
    )
    db.session.add(update)
    db.session.flush()
    termly.freeze(manager, previous, update, now=published_at)
    return True


# --- last year's annual complaints report, with its governance pack ---------------------------

# What the demo council says of itself against each section of the Code: (compliance, evidence, actions).
SELF_ASSESSMENT = {
    "definitions": (
        MET,
        "The complaints policy uses the Code's definition of a complaint, word for word, and the feedback form asks whether something is a complaint before anything else.",
        None,
    ),
    "exclusions": (
        MET,
        "Every complaint taken out of the procedure has its reason recorded and the family is told where to go instead; the report counts them by reason.",
        None,
    ),
    "accessibility": (
        PARTLY_MET,
        "Families can complain online, by email, by phone, by letter and in person, and can ask for adjustments. The easy read pages are new this year.",
        "Publish the policy in the five most used community languages by September.",
    ),
    "staff": (
        MET,
        "Every caseworker has had complaint handling training, and a named lead for complaints reports to the director.",
        None,
    ),
    "process": (
        MET,
        "One procedure with two stages for every service, with the Ombudsman's details in every response.",
        None,
    ),
    "stage_1": (
        PARTLY_MET,
        "Most stage 1 complaints were acknowledged within 5 working days, but some responses went past 10 working days without an extension agreed in time.",
        "Remind caseworkers two days before each deadline, and review every late response monthly.",
    ),
    "stage_2": (
        MET,
        "Stage 2 reviews are carried out by a manager not involved at stage 1, within 20 working days.",
        None,
    ),
    "putting_right": (
        MET,
        "Each response records what was promised to put things right, and the report counts remedies promised and done.",
        None,
    ),
    "self_assessment": (
        MET,
        "This report, the self-assessment and the Ombudsman's letter go to Cabinet each year.",
        None,
    ),
    "scrutiny": (
        PARTLY_MET,
        "The Member Responsible for Complaints receives a termly update. Scrutiny committee has not yet looked at learning themes.",
        "Take the learning themes to scrutiny committee each autumn.",
    ),
}


def seed_annual_report(now: datetime | None = None) -> bool:
    """Last financial year's complaints report, its governance pack prepared by the demo
    manager and published a week ago (or just after the year ended, if that is sooner) as
    version 1 with its PDF. Returns whether it was added."""
    now = now or utcnow()
    year = periods.current_year(now.astimezone(LONDON).date()).previous()
    if annual.versions_of(year):
        return False
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    moment = min(now, max(now - timedelta(days=7), year.ends_at + timedelta(hours=12)))
    with time_machine.travel(moment, tick=False):
        for key, (compliance, evidence, actions) in SELF_ASSESSMENT.items():
            governance.save_assessment(manager, year, key, compliance=compliance, evidence=evidence, actions=actions)
        governance.save_ombudsman_letter(
            manager,
            year,
            received=14,
            decided=12,
            upheld=7,
            uphold_rate=58,
            compliance_rate=100,
            note="Similar councils had an average uphold rate of 64%.",
        )
        governance.add_finding(
            manager,
            year,
            found="A stage 1 response was extended twice without the family being told the new date, against section 6 of the Code.",
            council_action="Caseworkers now cannot extend a deadline without recording the new date and the reason, and the family is told at once.",
        )
        governance.save_analysis(
            manager,
            year,
            "Most complaints were about home-to-school transport and about how long EHC needs assessments take.\n\n"
            "Responses were quicker than the year before, but too many still went past their deadline. The "
            "Ombudsman upheld fewer complaints than at similar councils.",
        )
        governance.save_governance(
            manager,
            year,
            member_responsible="Councillor Amara Okafor",
            meeting="Cabinet",
            meeting_on=moment.astimezone(LONDON).date(),
            governance_response="Cabinet noted the report and the self-assessment, welcomed the faster responses, and asked "
            "for an update on late stage 1 responses in six months.",
        )
        annual.publish(manager, year, moment.astimezone(LONDON).date())
    return True


# --- equality monitoring answers --------------------------------------------------------------

# Answers people gave last year, (age band, disability, ethnicity, sex, religion, first language English):
# enough to show every kind of count, with small groups kept back.
EQUALITY_ANSWERS = [
    ("5_10", "no", "white", "female", "christian", "yes"),
    ("5_10", "no", "white", "female", "none", "yes"),
    ("11_15", "yes", "white", "female", "none", "yes"),
    ("11_15", "no", "asian", "female", "muslim", "no"),
    ("5_10", "no", "white", "male", "christian", "yes"),
    ("16_17", "no", "black", "female", "christian", "yes"),
    ("11_15", "prefer_not", "white", "female", "none", "yes"),
    ("5_10", "yes", "mixed", "female", None, "yes"),
    ("11_15", "no", "white", "male", "none", "yes"),
    ("0_4", "no", "asian", "female", "hindu", "no"),
    ("5_10", "no", "white", "female", "christian", "yes"),
    ("11_15", "no", None, "prefer_not", "prefer_not", "yes"),
    ("5_10", "no", "white", "female", "none", "yes"),
    ("18_25", "yes", "white", "female", "none", "yes"),
]


def seed_equality_answers(now: datetime | None = None) -> bool:
    """Last year's equality monitoring answers, spread over the year, as people sent them after
    feedback and consultations. Returns whether they were added."""
    now = now or utcnow()
    year = periods.current_year(now.astimezone(LONDON).date()).previous()
    if equality.results(year.starts_on, year.ends_on).responses:
        return False
    for number, values in enumerate(EQUALITY_ANSWERS):
        answers = dict(zip(QUESTION_KEYS, values, strict=True))
        source = CONSULTATION if number % 3 == 0 else FEEDBACK
        equality.record(source, answers, year.starts_on + timedelta(days=20 + number * 24))
    return True


# --- last year's Local Offer comments summary -------------------------------------------------


def seed_local_offer_summary(now: datetime | None = None) -> bool:
    """Last year's summary of comments about the Local Offer, published a week ago (or just
    after the year ended) as version 1. Returns whether it was added."""
    now = now or utcnow()
    year = periods.current_year(now.astimezone(LONDON).date()).previous()
    if local_offer.versions_of(year):
        return False
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    scope = local_offer.scope_of(None)
    moment = min(now, max(now - timedelta(days=7), year.ends_at + timedelta(hours=12)))
    with time_machine.travel(moment, tick=False):
        local_offer.save(
            manager,
            year,
            category_id=scope.category_id,
            theme_id=scope.theme_id,
            said="Families told us the Local Offer website is hard to use on a phone, that contact numbers are hard to "
            "find, and that the search does not know the words families use.",
            response="We are rebuilding the Local Offer website with families and the youth forum. Contact numbers "
            "are now at the top of every page, and the search is being rebuilt with the words families told us "
            "they use. We will report progress in the termly updates.",
        )
        local_offer.publish(manager, year, moment.astimezone(LONDON).date())
    return True


# --- the SEND Improvement Board's pack -------------------------------------------------------


def seed_board_pack(now: datetime | None = None) -> bool:
    """A board pack produced six days ago from the plan as then published, with the board's
    decisions on it. Returns whether it was added (never before the plan is published)."""
    now = now or utcnow()
    if board_pack.packs() or improvement_published.published_plan() is None:
        return False
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    produced_at = now - timedelta(days=6)
    with time_machine.travel(produced_at, tick=False):
        document = board_pack.produce(manager)
        board_pack.record_decision(
            manager,
            document,
            "Health partners to bring a recovery plan for speech and language therapy waits to the next meeting.",
            owner="Designated Clinical Officer",
            due_on=(produced_at + timedelta(days=42)).astimezone(LONDON).date(),
        )
        board_pack.record_decision(
            manager,
            document,
            "Publish the termly update with a plain account of where the plan is behind.",
            owner=None,
            due_on=None,
        )
    return True
