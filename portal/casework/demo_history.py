"""Past feedback for seed-demo and for the benchmark: months of complaints, compliments,
suggestions and questions, each taken as far through the casework as it would have got by now.

Everything is invented (names from small lists, addresses at example.org) and deterministic:
each case is planned by its own random.Random, seeded from a fixed number and the case's
position, so the same cases come out every time (only their dates move with today).

How a case is planned: it arrives, is routed to a caseworker in its category's team, and then
goes through the steps a caseworker would take (acknowledge, extend, record the response, close,
mark as not a complaint) and the family's request for a stage 2 review, each on a working day at
a plausible time. Steps that would fall after now are left out, so recent cases are still open
and some are waiting past their deadline. The rows written for each step are the ones the real
actions write (portal.casework.services, clocks and receivers, portal.feedback.services): the
case's clock columns, a DeadlineChange with its reason whenever a clock is set or moved (so the
annual report can read stage 1 of an escalated complaint from the history), the outcome with its
themes and remedies, the messages to and from the family, and the audit events that make the
case's timeline. tests/test_demo_history.py replays planned cases through the real actions and
checks that the two agree. No email is sent.

Two ways to write them:
- seed_history(count): for seed-demo. Idempotent by submission_key "demo-history-NNN"; each
  reference comes from feedback.services.allocate_reference, so the counter stays right.
- insert_bulk(count): for scripts/benchmark_reports.py. Core INSERTs in batches; references are
  reserved with one UPDATE of the counter per year. Messages and audit events only if asked.
"""

import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from types import SimpleNamespace

import sqlalchemy as sa

from portal.accounts import roles
from portal.accounts.models import Team, User
from portal.casework import services as casework_services
from portal.casework.clocks import ACKNOWLEDGE, ACKNOWLEDGE_DAYS, RESPOND, RESPOND_DAYS
from portal.casework.models import CaseOutcome, DeadlineChange, Remedy, outcome_theme
from portal.core.calendar import add_working_days, is_working_day, receipt_day
from portal.core.models import AuditEvent, LearningTheme
from portal.core.time import LONDON, utcnow
from portal.extensions import db
from portal.feedback.models import Case, CaseMessage, Category, ReferenceCounter

SEED = 20260901
DEMO_PREFIX = "demo-history-"
BULK_PREFIX = "bulk-"

# Caseworkers who handled past cases in the teams the demo accounts do not cover. They have no
# password, so nobody can sign in as them (an administrator could invite them).
HISTORY_STAFF = [
    ("aisha.rahman@example.org", "Aisha Rahman", "SENAR East"),
    ("ben.carter@example.org", "Ben Carter", "SENAR West"),
    ("dee.forbes@example.org", "Dee Forbes", "Travel Assist"),
    ("gareth.lewis@example.org", "Gareth Lewis", "Commissioning"),
]

FIRST_NAMES = [
    "Amelia",
    "Bilal",
    "Chloe",
    "Darius",
    "Ewa",
    "Farah",
    "Gemma",
    "Hannah",
    "Imran",
    "Jade",
    "Kwame",
    "Laura",
    "Mohammed",
    "Natalie",
    "Owen",
    "Patience",
    "Rebecca",
    "Samir",
    "Tanya",
    "Usman",
    "Vicky",
    "Wei",
    "Yasmin",
    "Zoe",
]
LAST_NAMES = [
    "Adams",
    "Bennett",
    "Chowdhury",
    "Doyle",
    "Ellis",
    "Fraser",
    "Gill",
    "Harrison",
    "Iqbal",
    "Jones",
    "Kowalski",
    "Lewin",
    "Mahmood",
    "Nolan",
    "Parry",
    "Quinn",
    "Robinson",
    "Sandhu",
    "Turner",
    "Walsh",
    "Yeo",
    "Zielinski",
]
CHILD_NAMES = [
    "Alfie",
    "Bella",
    "Caleb",
    "Daisy",
    "Ethan",
    "Freya",
    "George",
    "Hafsa",
    "Isaac",
    "Jasmine",
    "Kai",
    "Lily",
    "Musa",
    "Nia",
    "Oscar",
    "Poppy",
    "Reuben",
    "Sana",
    "Theo",
    "Zara",
]
SETTINGS = [
    "Brookfield Primary School",
    "Canal Side Academy",
    "Elmwood Special School",
    "Greenway High School",
    "Harbour View Primary",
    "Kingsmead College",
    "Larch Lane Infant School",
    "Parkside Secondary",
    "St Luke's Primary",
    "Willow Bank School",
]
YEAR_GROUPS = ["Reception"] + [f"Year {n}" for n in range(1, 12)] + ["College or training (16 to 25)"]
RELATIONSHIPS = ["Parent"] * 6 + ["Carer or guardian", "Foster carer", "Grandparent or relative"]
INTERPRETER_LANGUAGES = ["Urdu", "Polish", "Bengali", "Arabic", "Somali"]

# Each category: its learning themes, and what families wrote about it.
CATEGORY_THEMES = {
    "EHC needs assessment": ["Timeliness of EHC assessments and plans", "Communication and keeping families informed"],
    "EHC plan content and quality": ["Quality of EHC plans", "Therapy provision"],
    "Annual reviews": ["Timeliness of EHC assessments and plans", "Quality of EHC plans"],
    "School place and admissions": ["Communication and keeping families informed", "Information and the Local Offer"],
    "Home-to-school transport": ["Home-to-school transport reliability", "Communication and keeping families informed"],
    "Speech and language and other therapies": ["Therapy provision", "Communication and keeping families informed"],
    "Communication and named contact": ["Named contact and continuity", "Communication and keeping families informed"],
    "Short breaks and social care": ["Short breaks and respite", "Communication and keeping families informed"],
    "Preparing for adulthood": ["Preparing for adulthood", "Named contact and continuity"],
    "The Local Offer website": ["Information and the Local Offer"],
    "Other": ["Communication and keeping families informed"],
}
# How often each category comes up, out of 100.
CATEGORY_WEIGHTS = {
    "EHC needs assessment": 16,
    "EHC plan content and quality": 12,
    "Annual reviews": 9,
    "School place and admissions": 7,
    "Home-to-school transport": 14,
    "Speech and language and other therapies": 9,
    "Communication and named contact": 13,
    "Short breaks and social care": 6,
    "Preparing for adulthood": 5,
    "The Local Offer website": 6,
    "Other": 3,
}

COMPLAINTS = {
    "EHC needs assessment": [
        (
            "We asked for an EHC needs assessment months ago and have not had a decision. Nobody returns my calls.",
            "A decision on the assessment and someone to talk to.",
        ),
        (
            "The council refused to assess my son, but the letter does not say why and the school's evidence was not looked at.",
            "The school's evidence looked at properly and a clear reason.",
        ),
        (
            "The educational psychologist's visit was cancelled twice and we were only told on the day.",
            "A new date that will not be cancelled.",
        ),
    ],
    "EHC plan content and quality": [
        (
            "The final plan still names my daughter's old school and the wrong diagnosis, after I pointed both out in the draft.",
            "The plan corrected.",
        ),
        (
            "Section F says 'access to speech and language therapy' but not how much, how often or who provides it.",
            "Clear and specific provision in the plan.",
        ),
        (
            "The plan was issued without the occupational therapy report we sent in.",
            "The report included and the plan reissued.",
        ),
    ],
    "Annual reviews": [
        (
            "The annual review meeting was months ago and we still have not had the amended plan.",
            "The amended plan and a date for it.",
        ),
        (
            "Nobody from the council came to the annual review meeting and the paperwork has been lost.",
            "The review done properly.",
        ),
    ],
    "School place and admissions": [
        (
            "We were told two days before term that the named school had no place.",
            "A school place from the start of term.",
        ),
        (
            "My son has been out of school for six weeks waiting for a decision about his placement.",
            "A decision, and work sent home meanwhile.",
        ),
    ],
    "Home-to-school transport": [
        (
            "The taxi was late on most mornings last month, so my child missed the start of lessons.",
            "A reliable pick-up time.",
        ),
        (
            "The passenger assistant changed without warning and my daughter refused to get in the car.",
            "The same passenger assistant, or notice of changes.",
        ),
        (
            "Transport was not arranged for the first week of term although we applied in May.",
            "Transport in place and our fares refunded.",
        ),
    ],
    "Speech and language and other therapies": [
        ("The speech and language therapy in the plan has not happened this term.", "The missed sessions made up."),
        ("We have waited over a year for an occupational therapy assessment.", "An assessment date."),
    ],
    "Communication and named contact": [
        (
            "I have had four different caseworkers this year and each time I have to start again.",
            "One named caseworker.",
        ),
        ("My emails go unanswered for weeks and the phone line rings out.", "Replies within a reasonable time."),
    ],
    "Short breaks and social care": [
        ("Our short breaks were stopped and nobody told us why.", "The short breaks started again."),
        ("We were assessed for short breaks in the winter and still have no decision.", "A decision."),
    ],
    "Preparing for adulthood": [
        (
            "Nobody has talked to us about what happens when my son leaves school next summer.",
            "A plan for his move to adult life.",
        ),
        (
            "The plan does not mention college although my daughter starts there in September.",
            "The plan updated for college.",
        ),
    ],
    "The Local Offer website": [
        (
            "The Local Offer lists clubs that closed years ago and phone numbers that do not work.",
            "The information kept up to date.",
        ),
    ],
    "Other": [
        ("I was sent a letter meant for another family.", "An explanation, and my details checked."),
    ],
}
SUGGESTIONS = {
    "The Local Offer website": [
        "Please put a search box on every page of the Local Offer that understands everyday words like 'taxi'.",
        "Make the Local Offer work properly on a phone.",
    ],
    "Communication and named contact": [
        "Send a text when a letter about our child's plan has been posted.",
        "Put our caseworker's name and direct number on every letter.",
    ],
    "Home-to-school transport": ["Send families a text when the taxi is running late."],
    "Annual reviews": ["Send the review paperwork two weeks before the meeting so that we can read it."],
    "Short breaks and social care": ["Run short breaks activities in the school holidays as well as in term time."],
    "Preparing for adulthood": ["Hold a drop-in for young people about college, jobs and money."],
    "EHC needs assessment": ["Show on this site which step our child's assessment has reached."],
    "Speech and language and other therapies": ["Publish the waiting time for each therapy."],
}
COMPLIMENTS = {
    "Communication and named contact": ["Our caseworker rang back the same day and sorted everything out. Thank you."],
    "Annual reviews": ["The annual review was the best we have had. Everyone listened to my son."],
    "Home-to-school transport": ["The transport team found a driver my daughter trusts. Mornings are calm again."],
    "Short breaks and social care": ["The short breaks club has been wonderful for our whole family."],
    "EHC needs assessment": ["Thank you for explaining the assessment so clearly and keeping us informed every step."],
    "EHC plan content and quality": ["The new plan describes my child as she really is. Thank you."],
    "Preparing for adulthood": ["The college transition meeting was really well organised."],
}
QUESTIONS = {
    "Preparing for adulthood": ["Will the EHC plan continue when my son moves to college?"],
    "Home-to-school transport": ["How do I ask for a personal transport budget instead of a taxi?"],
    "Annual reviews": ["Who do I contact to change the date of our annual review?"],
    "EHC needs assessment": ["How long does an EHC needs assessment usually take?"],
    "School place and admissions": ["When will we hear which school has been named for September?"],
}

RESPONSES = {
    CaseOutcome.UPHELD: [
        "We have looked into your complaint and we agree that we did not do what we should have done. We are sorry.",
        "You were right: the delay was our fault and we should have kept you informed. We are sorry for the worry this caused.",
    ],
    CaseOutcome.PARTLY_UPHELD: [
        "Some of what you told us was right and some was outside our control. We have answered each point below.",
        "We agree that we should have told you sooner, but the decision itself followed the right process.",
    ],
    CaseOutcome.NOT_UPHELD: [
        "We have looked carefully at each point and found that the council followed the right process, but we should have explained it better.",
        "We have checked the records and the timescales were met. We have set out below what happened and when.",
    ],
}
STAGE2_OPENING = "At stage 2, a senior officer who was not involved before has reviewed your complaint. "
OTHER_RESPONSES = {
    "compliment": [
        "Thank you for taking the time to tell us. We have passed your kind words on to the team and their manager.",
        "It is good to hear what went well. We have shared your message with everyone involved.",
    ],
    "suggestion": [
        "Thank you for your suggestion. We have passed it to the team who can make it happen and we will tell you what they decide.",
        "This is a good idea and we are going to try it from next term. Thank you for taking the time to tell us.",
    ],
    "question": [
        "Thank you for your question. Your caseworker has written to you with the details and the name of the person to contact.",
        "The short answer is yes. Your caseworker will ring you to talk it through and answer anything else you need to know.",
    ],
}
REMEDIES = {
    "apology": "A written apology from the head of service",
    "explanation": "A full explanation of the timescales that apply and what happens next",
    "decision_reconsidered": "The panel will look at the decision again with the new evidence",
    "record_corrected": "The plan corrected and reissued",
    "financial": "A payment of £150 for the time and trouble caused",
    "service_provided": "The missed support arranged before the end of term",
}
POLICY_CHANGES = {
    "Home-to-school transport": "Drivers now text families when they are running late",
    "Communication and named contact": "Every family now has a named caseworker with a direct phone number",
    "Annual reviews": "Review deadlines are now checked every week by the team lead",
    "The Local Offer website": "Every page of the Local Offer is now checked each term",
    "EHC needs assessment": "Families are now told at each step of the assessment",
}
DEFAULT_POLICY_CHANGE = "The team's procedure has changed so that this does not happen again"
EXTENSION_REASONS = [
    "We are waiting for a report from the therapy service.",
    "We need to speak to the school, which is closed for half term.",
    "Your complaint covers several teams and we want to answer every point properly.",
    "The officer who can answer this is on leave until next week.",
]
ESCALATION_REASONS = [
    "",
    "I do not think my complaint about the delay was answered.",
    "The response did not say when the plan will be corrected.",
    "",
]
SIGNPOSTING = {
    "service_request": "We have passed your request to the team as a request for a service, and they will contact you within 5 working days.",
    "other_route": "This is about the content of an EHC plan, which can be appealed to the SEND Tribunal. Please contact a mediation adviser first; "
    "SENDIASS, the free and independent advice service, can help you.",
}
ROUTED = "the team's caseworker with the fewest open cases"
QUEUED = "no caseworker with capacity: in the team's queue"
STAGE2_TRANSFER = "transferred: stage 2 review by someone who did not handle stage 1"

# The first cases of each term, so that every term has each kind and the things the reports
# count; then the usual mix. A kind, and a scenario forced on a complaint (None: left to chance).
TERM_PATTERN = [
    ("complaint", None),
    ("compliment", None),
    ("suggestion", None),
    ("complaint", "extend"),
    ("complaint", "escalate"),
    ("question", None),
    ("complaint", "not_a_complaint"),
    ("complaint", None),
    ("suggestion", None),
    ("complaint", None),
    ("compliment", None),
    ("complaint", "extend"),
    ("complaint", None),
    ("complaint", None),
    ("compliment", None),
    ("complaint", "escalate"),
    ("suggestion", None),
    ("complaint", None),
    ("question", None),
    ("complaint", None),
]
# The newest cases in the demo: still open, one of them waiting past its acknowledgement deadline.
RECENT_PATTERN = [
    ("complaint", "late_acknowledgement"),
    ("complaint", None),
    ("suggestion", None),
    ("complaint", None),
    ("question", None),
]
KIND_WEIGHTS = {"complaint": 60, "suggestion": 15, "compliment": 15, "question": 10}


# --- plans --------------------------------------------------------------------------------


@dataclass
class Step:
    """One thing done to a case: action, when (UTC), by whom (a user id; None for the family or
    the system), and what the action was given."""

    action: str
    at: datetime
    actor_id: int | None
    details: dict = field(default_factory=dict)


@dataclass
class PlannedCase:
    key: str
    kind: str
    category: str
    received_at: datetime
    caseworker_id: int | None  # who routing gives it to on arrival
    fields: dict  # the rest of what the family's submission holds
    steps: list[Step] = field(default_factory=list)


@dataclass(frozen=True)
class Staff:
    """What plans refer to in the database: categories, themes, caseworkers, a manager."""

    categories: dict[str, tuple[int, int | None]]  # name -> (category id, team id)
    themes: dict[str, int]
    caseworkers: dict[int | None, list[int]]  # team id -> active caseworkers, by id
    team_of: dict[int, int | None]
    names: dict[int, str]
    manager_id: int | None
    manager_name: str = ""

    @property
    def everyone(self) -> list[int]:
        return sorted(self.team_of)

    def category(self, name: str) -> tuple[int, int | None]:
        """The category's id and team (the first category, if this one is not in the database)."""
        return self.categories.get(name) or next(iter(self.categories.values()))


def load_staff() -> Staff:
    categories = {c.name: (c.id, c.team_id) for c in db.session.scalars(sa.select(Category))}
    themes = {t.name: t.id for t in db.session.scalars(sa.select(LearningTheme))}
    people = db.session.scalars(
        sa.select(User).where(User.role == roles.CASEWORKER, User.disabled_at.is_(None)).order_by(User.id)
    ).all()
    caseworkers: dict[int | None, list[int]] = {}
    for person in people:
        caseworkers.setdefault(person.team_id, []).append(person.id)
    manager = db.session.scalar(
        sa.select(User).where(User.role == roles.MANAGER, User.disabled_at.is_(None)).order_by(User.id).limit(1)
    )
    return Staff(
        categories=categories,
        themes=themes,
        caseworkers=caseworkers,
        team_of={person.id: person.team_id for person in people},
        names={person.id: person.name for person in people},
        manager_id=manager.id if manager else None,
        manager_name=manager.name if manager else "",
    )


def _london(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _moment(day: date, minutes: int) -> datetime:
    """``minutes`` after midnight on ``day`` in London, as UTC."""
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LONDON).astimezone(timezone.utc)


def _working_time(rng: random.Random, day: date, after: datetime) -> datetime:
    """A time in office hours on ``day``, or a little after ``after`` if that is later."""
    minutes, delay = rng.randint(8 * 60 + 30, 17 * 60 + 30), rng.randint(20, 240)
    moment = _moment(day, minutes)
    return moment if moment > after else after + timedelta(minutes=delay)


def _working_days_before(day: date, days: int) -> date:
    while days:
        day -= timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _family(rng: random.Random, kind: str, category: str) -> dict:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    number = rng.randint(1, 99)
    anonymous = rng.random() < {"complaint": 0.0, "compliment": 0.25, "suggestion": 0.3, "question": 0.0}[kind]
    named_child = rng.random() < 0.8
    child_name = rng.choice(CHILD_NAMES)
    setting = rng.choice(SETTINGS)
    year = rng.choice(YEAR_GROUPS)
    ehc = rng.choice(["yes", "yes", "yes", "assessing", "no"])
    if category == "Preparing for adulthood":
        year = rng.choice(["Year 10", "Year 11", "College or training (16 to 25)"])
    interpreter = rng.choice(INTERPRETER_LANGUAGES) if rng.random() < 0.06 else None
    easy_read = rng.random() < 0.05
    wants_updates = rng.random() < 0.3
    relationship = rng.choice(RELATIONSHIPS)
    phone = rng.random() < 0.4
    complaint = kind == "complaint"
    if kind == "complaint":
        what, wanted = rng.choice(COMPLAINTS[category])
    else:
        texts = {"compliment": COMPLIMENTS, "suggestion": SUGGESTIONS, "question": QUESTIONS}[kind]
        options = texts.get(category) or [text for group in texts.values() for text in group]
        what, wanted = rng.choice(options), None
    return dict(
        what_happened=what,
        outcome_wanted=wanted if complaint else None,
        child_name=child_name if named_child else None,
        child_year_group=year if named_child else None,
        child_setting=setting if named_child else None,
        child_has_ehc_plan=ehc if named_child else None,
        anonymous=anonymous,
        contact_name=None if anonymous else f"{first} {last}",
        contact_email=None if anonymous else f"{first}.{last}{number}@example.org".lower(),
        contact_phone=f"07700 900{number:03d}" if phone and not anonymous else None,
        relationship_to_child=None if anonymous else relationship,
        preferred_contact=None if anonymous else ("phone" if phone else "email"),
        needs_easy_read=easy_read and not anonymous,
        interpreter_language=None if anonymous else interpreter,
        wants_learning_updates=wants_updates and not anonymous,
    )


def _handler(rng: random.Random, staff: Staff, team_id: int | None) -> int | None:
    team = staff.caseworkers.get(team_id) or []
    return rng.choice(team) if team else None


def _remedies(rng: random.Random, finding: str, category: str, responded: date) -> list[tuple[str, str, date | None]]:
    draws = [rng.random() for _ in range(4)]
    extra = rng.choice(["service_provided", "record_corrected", "decision_reconsidered", "financial"])
    due = responded + timedelta(days=rng.randint(10, 40))
    policy = POLICY_CHANGES.get(category, DEFAULT_POLICY_CHANGE)
    chosen: list[tuple[str, str, date | None]] = []
    if finding == CaseOutcome.UPHELD:
        chosen.append(("apology", REMEDIES["apology"], None))
        if draws[0] < 0.7:
            chosen.append((extra, REMEDIES[extra], due))
        if draws[1] < 0.3:
            chosen.append(("policy_changed", policy, due))
    elif finding == CaseOutcome.PARTLY_UPHELD:
        chosen.append(("explanation", REMEDIES["explanation"], None))
        if draws[2] < 0.5:
            chosen.append(("apology", REMEDIES["apology"], None))
        if draws[3] < 0.2:
            chosen.append(("policy_changed", policy, due))
    elif draws[2] < 0.5:
        chosen.append(("explanation", REMEDIES["explanation"], None))
    return chosen


def _response(rng: random.Random, finding: str, category: str, stage: int, responded: date) -> dict:
    summary = rng.choice(RESPONSES[finding])
    themes = CATEGORY_THEMES[category]
    count = 1 if len(themes) == 1 or rng.random() < 0.6 else 2
    return dict(
        outcome=finding,
        summary=(STAGE2_OPENING + summary) if stage == 2 else summary,
        remedies=_remedies(rng, finding, category, responded),
        themes=themes[:count],
    )


def _plan_complaint(
    rng: random.Random, case: PlannedCase, staff: Staff, team_id: int | None, scenario: str | None
) -> None:
    # Every draw is made whatever happens, so that each case's choices do not depend on its dates.
    not_taken_on = rng.random() < 0.05
    not_taken_reason = "service_request" if rng.random() < 0.6 else "other_route"
    draw = rng.random()
    acknowledge_after = rng.randint(0, 4) if draw < 0.8 else 5 if draw < 0.88 else rng.randint(6, 9)
    extended = rng.random() < 0.18
    extend_at = rng.randint(5, 9)
    extension = rng.choice([3, 5, 5, 7, 10, 10])
    extension_reason = rng.choice(EXTENSION_REASONS)
    late = rng.random() < 0.12
    early_by, late_by = rng.randint(0, 3), rng.randint(1, 6)
    finding = _pick(rng, {CaseOutcome.UPHELD: 35, CaseOutcome.PARTLY_UPHELD: 30, CaseOutcome.NOT_UPHELD: 35})
    escalate_draw = rng.random()
    escalate_after = rng.randint(2, 20)
    escalation_reason = rng.choice(ESCALATION_REASONS)
    close_after = rng.randint(3, 25)
    stage2 = dict(
        acknowledge_after=rng.randint(1, 5) if rng.random() < 0.9 else rng.randint(6, 7),
        extended=rng.random() < 0.15,
        extend_at=rng.randint(12, 18),
        extension=rng.choice([5, 10, 15, 20]),
        extension_reason=rng.choice(EXTENSION_REASONS),
        late=rng.random() < 0.1,
        early_by=rng.randint(0, 4),
        late_by=rng.randint(1, 5),
        finding=_pick(rng, {CaseOutcome.UPHELD: 20, CaseOutcome.PARTLY_UPHELD: 30, CaseOutcome.NOT_UPHELD: 50}),
        close_after=rng.randint(2, 10),
    )
    other_handler_draw = rng.random()
    triage_draw = rng.random()

    if scenario == "not_a_complaint":
        not_taken_on = True
    elif scenario is not None:
        not_taken_on = False
    if scenario == "extend":
        extended = True
    if scenario == "late_acknowledgement":
        acknowledge_after, extended = 9, False
    if scenario == "escalate" and finding == CaseOutcome.UPHELD:
        finding = CaseOutcome.PARTLY_UPHELD
    escalates = (
        scenario == "escalate"
        or escalate_draw
        < {CaseOutcome.UPHELD: 0.03, CaseOutcome.PARTLY_UPHELD: 0.15, CaseOutcome.NOT_UPHELD: 0.2}[finding]
    )

    # Triage at intake: a family pointed to the tribunal or the NHS may still complain.
    if case.category in ("EHC needs assessment", "EHC plan content and quality") and (
        triage_draw < 0.2 or (not_taken_on and not_taken_reason == "other_route")
    ):
        case.fields["triage_route"] = "tribunal"
        case.fields["decision_letter_date"] = _london(case.received_at) - timedelta(
            days=5 + int(triage_draw * 100) % 40
        )
    elif case.category == "Speech and language and other therapies" and triage_draw < 0.3:
        case.fields["triage_route"] = "health"

    handler = case.caseworker_id
    actor = handler or staff.manager_id
    received_day = receipt_day(_london(case.received_at))
    steps = case.steps
    if not_taken_on:
        day = add_working_days(received_day, min(acknowledge_after, 4) or 1)
        steps.append(
            Step(
                "not_a_complaint",
                _working_time(rng, day, case.received_at),
                actor,
                {"reason": not_taken_reason, "signposting": SIGNPOSTING[not_taken_reason]},
            )
        )
        return

    acknowledged = _working_time(rng, add_working_days(received_day, acknowledge_after), case.received_at)
    steps.append(Step("acknowledge", acknowledged, actor))
    respond_by = add_working_days(receipt_day(_london(acknowledged)), RESPOND_DAYS[1])
    last = acknowledged
    if extended:
        day = add_working_days(_london(acknowledged), extend_at)
        last = _working_time(rng, day, acknowledged)
        steps.append(Step("extend", last, actor, {"working_days": extension, "reason": extension_reason}))
        respond_by = add_working_days(respond_by, extension)
    day = add_working_days(respond_by, late_by) if late else _working_days_before(respond_by, early_by)
    day = max(day, _london(last))
    responded = _working_time(rng, day, last)
    steps.append(Step("respond", responded, actor, _response(rng, finding, case.category, 1, _london(responded))))

    if not escalates:
        day = add_working_days(_london(responded), close_after)
        steps.append(Step("close", _working_time(rng, day, responded), actor))
        return

    # The family asks for stage 2, at any hour; someone who did not handle stage 1 takes it.
    escalated = responded + timedelta(days=escalate_after, hours=int(other_handler_draw * 10))
    same_team = [person for person in staff.caseworkers.get(team_id, []) if person != handler]
    others = [person for person in staff.everyone if person != handler]
    if same_team:
        second, assigned_by = same_team[int(other_handler_draw * len(same_team))], None
    elif others:
        second, assigned_by = others[int(other_handler_draw * len(others))], staff.manager_id
    else:
        second, assigned_by = None, None
    steps.append(
        Step("escalate", escalated, None, {"reason": escalation_reason, "handler": second, "assigned_by": assigned_by})
    )
    actor = second or staff.manager_id
    escalated_day = receipt_day(_london(escalated))
    acknowledged = _working_time(rng, add_working_days(escalated_day, stage2["acknowledge_after"]), escalated)
    steps.append(Step("acknowledge", acknowledged, actor))
    respond_by = add_working_days(receipt_day(_london(acknowledged)), RESPOND_DAYS[2])
    last = acknowledged
    if stage2["extended"]:
        last = _working_time(rng, add_working_days(_london(acknowledged), stage2["extend_at"]), acknowledged)
        steps.append(
            Step("extend", last, actor, {"working_days": stage2["extension"], "reason": stage2["extension_reason"]})
        )
        respond_by = add_working_days(respond_by, stage2["extension"])
    if stage2["late"]:
        day = add_working_days(respond_by, stage2["late_by"])
    else:
        day = _working_days_before(respond_by, stage2["early_by"])
    day = max(day, _london(last))
    responded = _working_time(rng, day, last)
    steps.append(
        Step("respond", responded, actor, _response(rng, stage2["finding"], case.category, 2, _london(responded)))
    )
    day = add_working_days(_london(responded), stage2["close_after"])
    steps.append(Step("close", _working_time(rng, day, responded), actor))


def _plan_other(rng: random.Random, case: PlannedCase, staff: Staff) -> None:
    """Compliments, suggestions and questions: no clocks; acknowledged, answered and closed.
    The response records no finding, but its learning theme counts as evidence."""
    acknowledge_after, respond_after, close_after = rng.randint(0, 5), rng.randint(2, 12), rng.randint(1, 10)
    summary = rng.choice(OTHER_RESPONSES.get(case.kind, [""]))
    actor = case.caseworker_id or staff.manager_id
    day = receipt_day(_london(case.received_at))
    steps = case.steps
    if case.fields["anonymous"]:
        # Nobody to write to: read, passed on, closed.
        steps.append(
            Step("close", _working_time(rng, add_working_days(day, acknowledge_after + 1), case.received_at), actor)
        )
        return
    last = case.received_at
    if case.kind != "question":
        last = _working_time(rng, add_working_days(day, acknowledge_after), last)
        steps.append(Step("acknowledge", last, actor))
    last = _working_time(rng, add_working_days(_london(last), respond_after), last)
    themes = CATEGORY_THEMES.get(case.category, [])[:1]
    steps.append(Step("respond", last, actor, dict(outcome=None, summary=summary, remedies=[], themes=themes)))
    steps.append(Step("close", _working_time(rng, add_working_days(_london(last), close_after), last), actor))


def plan_case(
    key: str,
    rng: random.Random,
    received_at: datetime,
    now: datetime,
    staff: Staff,
    kind: str | None = None,
    scenario: str | None = None,
) -> PlannedCase:
    """One case received at ``received_at``, with the steps taken on it up to ``now``."""
    drawn_kind = _pick(rng, KIND_WEIGHTS)
    kind = kind or drawn_kind
    category = (
        _pick(rng, CATEGORY_WEIGHTS)
        if kind == "complaint"
        else _pick(
            rng,
            {
                name: weight
                for name, weight in CATEGORY_WEIGHTS.items()
                if name in {"compliment": COMPLIMENTS, "suggestion": SUGGESTIONS, "question": QUESTIONS}[kind]
            },
        )
    )
    category_id, team_id = staff.category(category)
    fields = _family(rng, kind, category)
    fields.update(urgent=kind == "complaint" and rng.random() < 0.015, triage_route=None, decision_letter_date=None)
    case = PlannedCase(key, kind, category, received_at, _handler(rng, staff, team_id), fields)
    if kind == "complaint":
        _plan_complaint(rng, case, staff, team_id, scenario)
    else:
        _plan_other(rng, case, staff)
    # What has not happened yet is not in the history.
    case.steps = [step for step in case.steps if step.at <= now]
    return case


def _case_rng(number: int, seed: int = SEED) -> random.Random:
    return random.Random(seed * 1_000_003 + number)


def _arrival(start: datetime, end: datetime, draw: float) -> datetime:
    """A moment between start and end, on a day picked by ``draw``, in the waking hours
    (7am to 10.30pm, London) when families send feedback."""
    moment = start + (end - start) * draw
    waking = 7 * 60 + int((draw * 7919) % 1 * (15.5 * 60))
    return min(max(_moment(_london(moment), waking), start), end)


def demo_plans(count: int, now: datetime, staff: Staff, seed: int = SEED) -> list[PlannedCase]:
    """``count`` cases over the current school term and the two before it: each term has the
    mix of TERM_PATTERN, and the newest few are still open."""
    from portal.core.terms import recent_terms

    today = _london(now)
    terms = list(reversed(recent_terms(today, 3)))
    latest = now - timedelta(hours=1)
    spans = [(term.starts_at, min(term.ends_at, latest)) for term in terms]
    spans = [(start, max(end, start + timedelta(minutes=1))) for start, end in spans]
    recent = min(len(RECENT_PATTERN), max(count // 20, 1)) if count >= 10 else 0
    rest = count - recent
    lengths = [(end - start).total_seconds() for start, end in spans]
    floor = min(max(rest // 6, 1), rest // 3)
    shares = [max(floor, int(rest * length / sum(lengths))) for length in lengths]
    shares[-1] = rest - sum(shares[:-1])
    while shares[-1] < floor and shares[0] > floor:
        shares[0] -= 1
        shares[-1] += 1

    plans: list[PlannedCase] = []
    number = 0
    for (start, end), share in zip(spans, shares, strict=True):
        for position in range(share):
            number += 1
            rng = _case_rng(number, seed)
            received = _arrival(start, end, rng.random())
            kind, scenario = TERM_PATTERN[position % len(TERM_PATTERN)]
            plans.append(plan_case(f"{DEMO_PREFIX}{number:03d}", rng, received, now, staff, kind, scenario))
    current_start = spans[-1][0]
    for position in range(recent):
        number += 1
        rng = _case_rng(number, seed)
        kind, scenario = RECENT_PATTERN[position]
        if scenario == "late_acknowledgement":
            # Eight working days ago: three past its acknowledgement deadline, acknowledged tomorrow.
            day = _working_days_before(today, 8)
            received = _moment(day, 10 * 60 + 15 + int(rng.random() * 300))
        elif position == 1:
            # Today, in the last few hours (whatever the time now), so that the current term
            # and the current financial year always have a complaint.
            midnight = _moment(today, 0)
            received = max(midnight + (now - midnight) * (0.5 + rng.random() / 4), now - timedelta(hours=6))
        else:
            received = now - timedelta(days=3 * position - 3, hours=2 + rng.random() * 10)
        received = min(max(received, current_start), now - timedelta(minutes=1))
        plans.append(plan_case(f"{DEMO_PREFIX}{number:03d}", rng, received, now, staff, kind, scenario))
    return plans


def _bulk_arrival(rng: random.Random, now: datetime, days: int) -> datetime:
    return _arrival(now - timedelta(days=days), now - timedelta(minutes=30), rng.random())


def bulk_received(number: int, now: datetime, days: int, seed: int = SEED) -> datetime:
    """When bulk case ``number`` arrived: on any day of the ``days`` before now."""
    return _bulk_arrival(_case_rng(number, seed), now, days)


def bulk_plan(number: int, now: datetime, days: int, staff: Staff, seed: int = SEED) -> PlannedCase:
    rng = _case_rng(number, seed)
    return plan_case(f"{BULK_PREFIX}{number:07d}", rng, _bulk_arrival(rng, now, days), now, staff)


# --- what the real actions write ------------------------------------------------------------


@dataclass
class CaseRows:
    """The rows one planned case becomes, before ids are known."""

    case: dict
    changes: list[dict] = field(default_factory=list)
    outcomes: list[tuple[dict, list[int], list[dict]]] = field(default_factory=list)  # outcome, theme ids, remedies
    messages: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)


def _ns(case: dict, kind: str) -> SimpleNamespace:
    return SimpleNamespace(
        kind=kind, is_complaint=kind == "complaint", stage=case["stage"], contact_name=case["contact_name"]
    )


def case_rows(plan: PlannedCase, staff: Staff, reference: str) -> CaseRows:
    """Apply the plan's steps to a new case the way the services do, as plain rows."""
    category_id, category_team = staff.category(plan.category)
    complaint = plan.kind == "complaint"
    received = plan.received_at
    case = dict(
        reference=reference,
        submission_key=plan.key,
        kind=plan.kind,
        category_id=category_id,
        team_id=category_team,
        status="received",
        stage=1 if complaint else None,
        caseworker_id=None,
        user_id=None,
        received_at=received,
        acknowledge_by=None,
        acknowledged_at=None,
        respond_by=None,
        responded_at=None,
        escalated_at=None,
        closed_at=None,
        extension_used=False,
        stage1_caseworker_id=None,
        not_complaint_reason=None,
        other_adjustments=None,
        preferred_time=None,
        **plan.fields,
    )
    rows = CaseRows(case)

    def event(at, actor_id, action, **details):
        rows.events.append(dict(occurred_at=at, actor_id=actor_id, action=action, details=details))

    def message(at, author_id, body, from_family=False):
        rows.messages.append(
            dict(created_at=at, author_id=author_id, body=body.strip(), from_family=from_family, internal=False)
        )

    def set_clock(at, actor_id, clock, new, reason):
        column = "acknowledge_by" if clock == ACKNOWLEDGE else "respond_by"
        old = case[column]
        case[column] = new
        rows.changes.append(
            dict(
                stage=case["stage"] or 1,
                clock=clock,
                old_date=old,
                new_date=new,
                reason=reason,
                changed_by_id=actor_id,
                changed_at=at,
            )
        )
        event(
            at,
            actor_id,
            "case.deadline_changed",
            clock=clock,
            old=old.isoformat() if old else None,
            new=new.isoformat() if new else None,
        )

    def start_stage(at, day):
        stage = case["stage"] or 1
        due = add_working_days(receipt_day(day), ACKNOWLEDGE_DAYS[stage])
        case["extension_used"] = False
        case["respond_by"] = None
        set_clock(
            at,
            None,
            ACKNOWLEDGE,
            due,
            f"Stage {stage} received: acknowledge within {ACKNOWLEDGE_DAYS[stage]} working days",
        )

    def assign(at, person, reason, actor_id=None):
        old = case["caseworker_id"]
        case["caseworker_id"] = person
        if person is not None and staff.team_of.get(person):
            case["team_id"] = staff.team_of[person]
        if person is None:
            event(at, actor_id, "case.queued", team=case["team_id"], reason=QUEUED)
        else:
            event(at, actor_id, "case.assigned", old=old, new=person, team=case["team_id"], reason=reason)

    def reply(at, actor_id, text):
        message(at, actor_id, f"{text.strip()}\n\n{casework_services.route_onwards(_ns(case, plan.kind))}")
        event(at, actor_id, "case.replied")

    # Submission (feedback.services.submit, then the receivers: clock and routing).
    event(received, None, "case.submitted", kind=plan.kind)
    if complaint:
        start_stage(received, _london(received))
    assign(received, plan.caseworker_id, ROUTED)

    for step in plan.steps:
        at, actor = step.at, step.actor_id
        name = SimpleNamespace(name=staff.names.get(actor, staff.manager_name))
        if step.action == "acknowledge":
            due = None
            if case["stage"]:
                case["acknowledged_at"] = at
                due = add_working_days(receipt_day(_london(at)), RESPOND_DAYS[case["stage"]])
                set_clock(
                    at, actor, RESPOND, due, f"Acknowledged: respond within {RESPOND_DAYS[case['stage']]} working days"
                )
            else:
                case["acknowledged_at"] = at
            case["status"] = "acknowledged"
            event(at, actor, "case.acknowledged")
            message(at, actor, casework_services.default_acknowledgement(_ns(case, plan.kind), name, due))
        elif step.action == "extend":
            days, reason = step.details["working_days"], step.details["reason"]
            due = add_working_days(case["respond_by"], days)
            case["extension_used"] = True
            set_clock(at, actor, RESPOND, due, f"Extended by {days} working days: {reason.strip()}")
            message(
                at,
                actor,
                (
                    f"We need more time to respond to your complaint properly. {reason.strip()}\n\n"
                    f"We will now respond by {due:%-d %B %Y}.\n\n"
                    f"If you are unhappy about this delay, you can contact the Ombudsman. {casework_services.OMBUDSMAN}"
                ),
            )
            event(at, actor, "case.extended", working_days=days)
        elif step.action == "respond":
            finding, summary, remedies = step.details["outcome"], step.details["summary"], step.details["remedies"]
            # Every response is recorded; only a complaint's has a stage and a finding.
            rows.outcomes.append(
                (
                    dict(
                        stage=(case["stage"] or 1) if complaint else None,
                        outcome=finding,
                        summary=summary.strip(),
                        recorded_by_id=actor,
                        recorded_at=at,
                    ),
                    [staff.themes[theme] for theme in step.details["themes"] if theme in staff.themes],
                    [
                        dict(kind=kind, description=description.strip(), due_on=due_on, done_at=None)
                        for kind, description, due_on in remedies
                    ],
                )
            )
            case["responded_at"] = at
            case["status"] = "responded"
            promised = "".join(
                f"\n- {Remedy.KINDS[kind]}: {description.strip()}" + (f" (by {due_on:%-d %B %Y})" if due_on else "")
                for kind, description, due_on in remedies
            )
            found = f"Our finding: your complaint is {CaseOutcome.LABELS[finding].lower()}.\n\n" if complaint else ""
            reply(at, actor, f"{found}{summary.strip()}" + (f"\n\nWhat we will do:{promised}" if promised else ""))
            event(at, actor, "case.outcome_recorded", outcome=finding, stage=case["stage"])
        elif step.action == "close":
            case["status"] = "closed"
            case["closed_at"] = at
            event(at, actor, "case.closed")
        elif step.action == "not_a_complaint":
            reason = step.details["reason"]
            case["not_complaint_reason"] = reason
            case["stage"] = None
            case["acknowledge_by"] = None
            case["respond_by"] = None
            message(
                at,
                actor,
                "We have looked at what you sent and it is not something the complaints procedure can deal with. "
                f"{step.details['signposting'].strip()}",
            )
            case["status"] = "closed"
            case["closed_at"] = at
            event(at, actor, "case.not_a_complaint", reason=reason)
        elif step.action == "escalate":
            case["stage"] = 2
            case["status"] = "escalated"
            case["escalated_at"] = at
            case["acknowledged_at"] = None
            case["responded_at"] = None
            body = "I would like my complaint to be looked at again at stage 2."
            if step.details["reason"].strip():
                body += "\n\n" + step.details["reason"].strip()
            message(at, None, body, from_family=True)
            event(at, None, "case.escalated")
            case["stage1_caseworker_id"] = case["stage1_caseworker_id"] or case["caseworker_id"]
            start_stage(at, _london(at))
            case["caseworker_id"] = None
            handler, by = step.details["handler"], step.details["assigned_by"]
            if by is None:
                assign(at, handler, ROUTED)
            else:
                assign(at, None, QUEUED)
                assign(at, handler, STAGE2_TRANSFER, by)
        else:
            raise ValueError(f"unknown step {step.action!r}")
    return rows


# --- writing ------------------------------------------------------------------------------


def _insert(table: sa.Table, rows: list[dict], returning: bool = False) -> list[int]:
    if not rows:
        return []
    statement = sa.insert(table)
    if returning:
        statement = statement.returning(table.c.id, sort_by_parameter_order=True)
        return list(db.session.execute(statement, rows).scalars())
    db.session.execute(statement, rows)
    return []


def write(rows: list[CaseRows], *, trail: bool = True) -> None:
    """Insert the cases and everything that goes with them, a few statements per table."""
    case_ids = _insert(Case.__table__, [r.case for r in rows], returning=True)
    changes, outcomes, owners, messages, events = [], [], [], [], []
    for case_id, r in zip(case_ids, rows, strict=True):
        changes += [dict(change, case_id=case_id) for change in r.changes]
        for outcome, themes, remedies in r.outcomes:
            outcomes.append(dict(outcome, case_id=case_id))
            owners.append((themes, remedies))
        if trail:
            messages += [dict(m, case_id=case_id) for m in r.messages]
            events += [
                dict(e, object_type=Case.__tablename__, object_id=str(case_id))
                for e in sorted(r.events, key=lambda e: e["occurred_at"])
            ]
    _insert(DeadlineChange.__table__, changes)
    outcome_ids = _insert(CaseOutcome.__table__, outcomes, returning=True)
    themes, remedies = [], []
    for outcome_id, (theme_ids, outcome_remedies) in zip(outcome_ids, owners, strict=True):
        themes += [dict(outcome_id=outcome_id, theme_id=theme_id) for theme_id in dict.fromkeys(theme_ids)]
        remedies += [dict(remedy, outcome_id=outcome_id) for remedy in outcome_remedies]
    _insert(outcome_theme, themes)
    _insert(Remedy.__table__, remedies)
    if trail:
        _insert(CaseMessage.__table__, messages)
        _insert(AuditEvent.__table__, events)


def seed_history_staff() -> None:
    """The past caseworkers of the teams no demo account works in."""
    existing = set(db.session.scalars(sa.select(User.email)))
    teams = {team.name: team for team in db.session.scalars(sa.select(Team))}
    for email, name, team_name in HISTORY_STAFF:
        if email not in existing and team_name in teams:
            db.session.add(
                User(
                    email=email,
                    name=name,
                    role=roles.CASEWORKER,
                    team=teams[team_name],
                    email_confirmed_at=utcnow(),
                    approved_at=utcnow(),
                )
            )
    db.session.flush()


def seed_history(count: int = 100, now: datetime | None = None) -> int:
    """Add the demo's past feedback not already there. Returns how many cases were added."""
    from portal.feedback.services import allocate_reference

    seed_history_staff()
    now = now or utcnow()
    staff = load_staff()
    if not staff.categories:
        return 0
    existing = set(
        db.session.scalars(sa.select(Case.submission_key).where(Case.submission_key.like(f"{DEMO_PREFIX}%")))
    )
    wanted = [plan for plan in demo_plans(count, now, staff) if plan.key not in existing]
    wanted.sort(key=lambda plan: plan.received_at)
    rows = [case_rows(plan, staff, allocate_reference(_london(plan.received_at).year)) for plan in wanted]
    write(rows, trail=True)
    return len(rows)


def reserve_references(years: Iterable[int]) -> Callable[[int], str]:
    """Take references for many cases at once: one UPDATE of the counter per year (the row
    lock makes anyone submitting meanwhile wait, as allocate_reference does). Returns a
    function giving the next reserved reference of a year."""
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


def insert_bulk(
    count: int,
    *,
    days: int = 3 * 365,
    now: datetime | None = None,
    batch: int = 2000,
    trail: bool = False,
    first: int = 1,
    seed: int = SEED,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``count`` planned cases received over the ``days`` before now, quickly: for the
    benchmark. Numbered from ``first`` (keys "bulk-NNNNNNN"); commits after each batch.
    ``trail`` adds the messages and audit events too. Returns how many were inserted."""
    now = now or utcnow()
    staff = load_staff()
    numbers = range(first, first + count)
    received = {number: bulk_received(number, now, days, seed) for number in numbers}
    in_order = sorted(numbers, key=lambda number: (received[number], number))
    take = reserve_references(_london(received[number]).year for number in in_order)
    db.session.commit()
    done = 0
    for start in range(0, len(in_order), batch):
        chunk = in_order[start : start + batch]
        plans = [bulk_plan(number, now, days, staff, seed) for number in chunk]
        write([case_rows(plan, staff, take(_london(plan.received_at).year)) for plan in plans], trail=trail)
        db.session.commit()
        done += len(chunk)
        if progress:
            progress(done)
    return done
