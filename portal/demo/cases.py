"""The demo's own cases, written by hand: a realistic spread across categories, kinds, stages and
statuses, some overdue and some due soon, with conversations, for the demo accounts to work on.
Dates are relative to today. Also the learning themes and response templates casework uses.
Invented families; addresses end in example.org."""

from datetime import datetime, time, timedelta

from portal.casework.models import CaseOutcome, ResponseTemplate
from portal.core.calendar import is_working_day
from portal.core.time import LONDON, london_today, utcnow
from portal.demo.accounts import PARENT_ACCOUNTS
from portal.demo.plans import (
    ACKNOWLEDGE,
    CLOSE,
    ESCALATE,
    FAMILY_REPLY,
    REMEDY_DONE,
    RESPOND,
    PlannedCase,
    Step,
)
from portal.extensions import db
from portal.feedback.models import COMPLAINT, COMPLIMENT, PHONE, QUESTION, SUGGESTION
from portal.themes.models import LearningTheme

# The demo family with only a phone number (the README says how to open their case by code).
PHONE_ONLY_KEY = "demo-18"
PHONE_ONLY_NUMBER = "07700 900123"

THEMES = [
    "Communication and keeping families informed",
    "Named contact and continuity",
    "Timeliness of EHC assessments and plans",
    "Quality of EHC plans",
    "Home-to-school transport reliability",
    "Therapy provision",
    "Short breaks and respite",
    "Information and the Local Offer",
    "Preparing for adulthood",
]

TEMPLATES = {
    "Acknowledgement": (
        "Dear {family_name},\n\nThank you for getting in touch about {child_name}. I am {caseworker_name} and I will be "
        "your named contact for {reference}. We will send you a full response by {respond_by}.\n\n{caseworker_name}"
    ),
    "Holding reply": (
        "Dear {family_name},\n\nI am still looking into {reference} and wanted to let you know where things are. "
        "I will write again by {respond_by}.\n\n{caseworker_name}"
    ),
    "Asking for more information": (
        "Dear {family_name},\n\nTo look into {reference} properly, could you send me a copy of the letter you mentioned? "
        "You can add it to your case online.\n\n{caseworker_name}"
    ),
}

# Each case: key, when it arrived (days_ago, or working_days_ago for one that must be overdue or
# due soon whatever the day of the week), what the family sent, and the steps taken on it since
# as (action, days ago, details). The family: (email, name), or None for anonymous feedback; the
# child: (name, year group, setting, has an EHC plan).
CASES = [
    dict(
        key="demo-01",
        days_ago=2,
        kind=COMPLAINT,
        category="Home-to-school transport",
        family=("parent@example.org", "Priya Shah"),
        child=("Arjun", "Year 4", "Riverside Primary School", "yes"),
        what="The taxi to Arjun's school has not arrived on four mornings in the last two weeks. Nobody rang us. He missed his speech therapy session at school twice.",
        outcome="A reliable driver and a phone call when the taxi is late. An apology for the missed sessions.",
        preferred_time="Before 8.30am or after 3pm",
    ),
    dict(
        key="demo-02",
        working_days_ago=8,
        kind=COMPLAINT,
        category="EHC needs assessment",
        family=("parent2@example.org", "Tom Okafor"),
        child=("Grace", "Year 7", "Hillside Academy", "assessing"),
        what="We asked for an EHC needs assessment in June. We were told a decision would come within 6 weeks. It is now months later and nobody answers the phone.",
        outcome="A decision on the assessment and a named person we can talk to.",
    ),
    dict(
        key="demo-03",
        days_ago=12,
        kind=COMPLAINT,
        category="Communication and named contact",
        family=("m.begum@example.org", "Mariam Begum"),
        child=("Z.B.", "Year 10", "Northfield School", "yes"),
        what="Every time I call I speak to someone different and I have to explain my son's needs again. Emails go unanswered for weeks.",
        outcome="One named caseworker who replies to emails.",
        interpreter="Bengali",
        steps=[
            (
                ACKNOWLEDGE,
                8,
                {
                    "body": "Dear Mrs Begum, thank you for your complaint. I am looking into it and will reply in full by the date shown on your case. Sam Taylor, SENAR North."
                },
            )
        ],
    ),
    dict(
        key="demo-04",
        days_ago=30,
        kind=COMPLAINT,
        category="Annual reviews",
        family=("d.wright@example.org", "Dan Wright"),
        child=("Ellie", "Year 2", "St Anne's Infant School", "yes"),
        what="Ellie's annual review meeting happened in March but the amended plan has still not been issued.",
        outcome="The amended plan issued and an explanation of the delay.",
        steps=[
            (ACKNOWLEDGE, 26, {"body": "Dear Mr Wright, thank you for your complaint. I am sorry for the delay."}),
            (FAMILY_REPLY, 20, {"body": "Thank you. Is there any news on the plan?"}),
            (
                RESPOND,
                14,
                {
                    "outcome": CaseOutcome.UPHELD,
                    "summary": "Dear Mr Wright, the amended plan will be issued by the end of this month. We have changed how we track review deadlines so this does not happen to other families.",
                    "themes": [
                        "Timeliness of EHC assessments and plans",
                        "Communication and keeping families informed",
                    ],
                    # Due dates as days ago: the apology was sent in time, the plan is now late.
                    "remedies": [
                        ("apology", "A written apology from the head of service", 10),
                        ("service_provided", "Ellie's amended plan issued", 4),
                    ],
                },
            ),
            (REMEDY_DONE, 11, {"description": "A written apology from the head of service"}),
        ],
    ),
    dict(
        key="demo-05",
        days_ago=55,
        kind=COMPLAINT,
        category="EHC plan content and quality",
        family=("s.novak@example.org", "Sofia Novak"),
        child=("Leo", "Year 6", "Oakfield Primary", "yes"),
        what="Leo's plan does not mention his occupational therapy needs even though the report was sent in.",
        outcome="The plan corrected to include the therapy report.",
        steps=[
            (ACKNOWLEDGE, 52, {}),
            (
                RESPOND,
                40,
                {
                    "outcome": CaseOutcome.PARTLY_UPHELD,
                    "summary": "Dear Ms Novak, we agree that the occupational therapy report should have been included in Leo's plan, and we have asked for the plan to be amended. The rest of the plan was agreed at his review.",
                    "themes": ["Quality of EHC plans", "Therapy provision"],
                },
            ),
            (ESCALATE, 6, {}),
        ],
    ),
    dict(
        key="demo-06",
        days_ago=70,
        kind=COMPLAINT,
        category="School place and admissions",
        family=("r.hughes@example.org", "Rhys Hughes"),
        child=("Cai", "Reception", "Meadow Lane Primary", "no"),
        what="We were not told about the deadline for the school place for September.",
        outcome="An explanation.",
        steps=[
            (ACKNOWLEDGE, 67, {}),
            (
                RESPOND,
                60,
                {
                    "outcome": CaseOutcome.NOT_UPHELD,
                    "summary": "Dear Mr Hughes, the deadline was in the letter we sent in January, but we have made it clearer on the website.",
                    "themes": ["Information and the Local Offer"],
                },
            ),
            (CLOSE, 50, {}),
        ],
    ),
    dict(
        key="demo-07",
        working_days_ago=4,
        kind=COMPLAINT,
        category="Short breaks and social care",
        urgent=True,
        family=("k.ali@example.org", "Kamal Ali"),
        child=("Y.A.", "Year 9", "", "yes"),
        what="We were promised overnight short breaks from September. Nothing has started and we are at breaking point as a family.",
        outcome="Short breaks to start now.",
    ),
    dict(
        key="demo-08",
        days_ago=20,
        kind=COMPLAINT,
        category="Speech and language and other therapies",
        family=("parent@example.org", "Priya Shah"),
        child=("Arjun", "Year 4", "Riverside Primary School", "yes"),
        what="Speech and language therapy in Arjun's plan has not been delivered this term.",
        outcome="The missed sessions made up.",
        triage="health",
        steps=[
            (
                ACKNOWLEDGE,
                15,
                {
                    "body": "Dear Mrs Shah, thank you. We are checking with the therapy service and will reply by the date on your case."
                },
            )
        ],
    ),
    dict(
        key="demo-09",
        days_ago=3,
        kind=COMPLIMENT,
        category="Communication and named contact",
        family=("j.evans@example.org", "Jo Evans"),
        child=("", "Year 11", "Northfield School", "yes"),
        what="Our caseworker Jordan rang us back the same day and sorted out the college transition meeting. Thank you!",
    ),
    dict(
        key="demo-10",
        days_ago=15,
        kind=SUGGESTION,
        category="The Local Offer website",
        family=None,
        child=("", "", "", None),
        what="The Local Offer website is very hard to use on a phone. Please put the contact numbers at the top of each page.",
        steps=[
            (
                RESPOND,
                3,
                {
                    "summary": "We have asked the Local Offer team to put the contact numbers at the top of every page.",
                    "themes": ["Information and the Local Offer"],
                },
            )
        ],
    ),
    dict(
        key="demo-11",
        days_ago=6,
        kind=QUESTION,
        category="Preparing for adulthood",
        family=("l.chen@example.org", "Lin Chen"),
        child=("Ming", "Year 12", "Westbrook College", "yes"),
        what="Will Ming's EHC plan continue when he moves to college next year, and who should we talk to about it?",
    ),
    dict(
        # Long enough ago (closed over 180 days back) that routing gives the family's new
        # complaint (demo-02) to the assessment team rather than to this case's caseworker.
        key="demo-12",
        days_ago=230,
        kind=COMPLAINT,
        category="Home-to-school transport",
        family=("parent2@example.org", "Tom Okafor"),
        child=("Grace", "Year 6", "Hillside Primary", "assessing"),
        what="Grace's escort changed three times in one week without warning, which caused great distress.",
        outcome="The same escort every day.",
        steps=[
            (ACKNOWLEDGE, 227, {}),
            (
                RESPOND,
                220,
                {
                    "outcome": CaseOutcome.UPHELD,
                    "summary": "Dear Mr Okafor, we apologise. Grace will have the same escort from Monday.",
                    "themes": ["Home-to-school transport reliability", "Named contact and continuity"],
                },
            ),
            (CLOSE, 210, {}),
        ],
    ),
    dict(
        key="demo-13",
        days_ago=150,
        kind=SUGGESTION,
        category="Communication and named contact",
        family=("a.patel@example.org", "Anita Patel"),
        child=("", "", "", None),
        what="Please send a text message when a letter about our child's plan has been posted.",
        steps=[(ACKNOWLEDGE, 148, {}), (CLOSE, 140, {})],
    ),
    dict(
        key="demo-14",
        days_ago=200,
        kind=COMPLIMENT,
        category="Annual reviews",
        family=("parent@example.org", "Priya Shah"),
        child=("Arjun", "Year 3", "Riverside Primary School", "yes"),
        what="The annual review was the best we have had. Everyone listened to Arjun.",
        steps=[(ACKNOWLEDGE, 198, {}), (CLOSE, 190, {})],
    ),
    dict(
        key="demo-16",
        # Answered within the last month and closed: the family can still ask for stage 2.
        days_ago=27,
        kind=COMPLAINT,
        category="Communication and named contact",
        family=("parent@example.org", "Priya Shah"),
        child=("Arjun", "Year 4", "Riverside Primary School", "yes"),
        what="I rang the SEN team five times about Arjun's transition to Year 5 and nobody called me back.",
        outcome="A named contact who calls back, and a meeting about the transition.",
        steps=[
            (ACKNOWLEDGE, 25, {}),
            (
                RESPOND,
                14,
                {
                    "outcome": CaseOutcome.NOT_UPHELD,
                    "summary": "Dear Ms Shah, our records show three of your calls, and each was returned within two working days. A transition meeting is booked for next month at Riverside Primary School.",
                    "themes": ["Communication and keeping families informed"],
                },
            ),
            (CLOSE, 12, {}),
        ],
    ),
    dict(
        key="demo-17",
        # Social care for a disabled child: the statutory children's procedure, now at stage 2,
        # an investigation with an independent person.
        days_ago=34,
        kind=COMPLAINT,
        category="Short breaks and social care",
        family=("k.osei@example.org", "Kwame Osei"),
        child=("Ama", "Year 7", "Hillside Academy", "yes"),
        what="Ama's short breaks were stopped in September without a review or any letter to us.",
        outcome="The short breaks restarted, and a review of how the decision was made.",
        steps=[
            (ACKNOWLEDGE, 33, {}),
            (
                RESPOND,
                22,
                {
                    "outcome": CaseOutcome.NOT_UPHELD,
                    "summary": "Dear Mr Osei, the short breaks provider ended the placement; we have asked them to explain why in writing.",
                    "themes": ["Short breaks and respite"],
                },
            ),
            (ESCALATE, 12, {"reason": "Nobody has looked at whether the decision was right."}),
        ],
    ),
    dict(
        # A family who gave only a phone number: they follow the case at /track with a texted code.
        key=PHONE_ONLY_KEY,
        days_ago=3,
        kind=COMPLAINT,
        category="Home-to-school transport",
        family=(None, "Kerry Walsh"),
        phone=PHONE_ONLY_NUMBER,
        child=("Jay", "Year 9", "Northfield School", "yes"),
        what="Jay's transport assistant keeps changing and nobody tells us who is coming. Jay will not get in the bus with someone he has never met.",
        outcome="The same assistant each day, and a call when it has to change.",
        steps=[
            (
                ACKNOWLEDGE,
                2,
                {"body": "Dear Ms Walsh, thank you for your complaint. I will reply by the date on your case."},
            )
        ],
    ),
    dict(
        key="demo-15",
        # A phone call the team logged three days later: the clocks run from the call.
        channel=PHONE,
        days_ago=4,
        logged_days_ago=1,
        kind=COMPLAINT,
        category="Annual reviews",
        family=("m.khan@example.org", "Mariam Khan"),
        child=("Yusuf", "Year 9", "Northfield Academy", "yes"),
        what="Yusuf's annual review was in June. Nobody has sent us the amended plan and the school says it cannot change his support without it.",
        outcome="The amended plan sent this month, and a date for it in writing.",
    ),
]


def _days_ago(spec: dict) -> int:
    """A case meant to be overdue or due soon whatever the day of the week is dated in working
    days: 8 working days old is always past the 5-day acknowledgement, 4 always due soon."""
    if "working_days_ago" not in spec:
        return spec["days_ago"]
    day, remaining = london_today(), spec["working_days_ago"]
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return (london_today() - day).days


def _at(days_ago: int) -> datetime:
    """Half past ten in the morning, London time, ``days_ago`` days before today."""
    day = (utcnow() - timedelta(days=days_ago)).astimezone(LONDON).date()
    return datetime.combine(day, time(10, 30), tzinfo=LONDON)


def _child_answers(child: tuple) -> dict:
    name, year, setting, ehc = child
    given = dict(child_name=name, child_year_group=year, child_setting=setting, child_has_ehc_plan=ehc)
    return {"child_seen": True, **{key: value for key, value in given.items() if value}}


def _contact_answers(spec: dict) -> dict:
    if spec["family"] is None:
        return {"reply": "no"}
    email, name = spec["family"]
    phone = spec.get("phone")
    adjustments = {"interpreter": spec.get("interpreter"), "time": spec.get("preferred_time")}
    return dict(
        reply="yes",
        contact_name=name,
        contact_email=email,
        contact_phone=phone,
        relationship="Parent",
        preferred_contact="phone" if phone and not email else "email",
        adjustments_seen=True,
        adjustments=[kind for kind, given in adjustments.items() if given],
        interpreter_language=spec.get("interpreter"),
        preferred_time=spec.get("preferred_time"),
    )


def _answers(spec: dict) -> dict:
    """What the family answered in the feedback journey."""
    answers = dict(kind=spec["kind"], worried="no", what_happened=spec["what"], evidence_seen=True)
    if spec.get("urgent"):
        answers.update(worried="yes", urgent_seen=True)
    if spec["kind"] == COMPLAINT:
        answers.update(outcome_wanted=spec["outcome"], triage=spec.get("triage", "none"))
        if "triage" in spec:
            answers["route_seen"] = True
    answers.update(_child_answers(spec["child"]))
    answers.update(_contact_answers(spec))
    return {key: value for key, value in answers.items() if value is not None}


def _dated(details: dict) -> dict:
    """A step's details with each remedy's due date turned from days ago into a date."""
    if "remedies" not in details:
        return details
    today = london_today()
    return {
        **details,
        "remedies": [(kind, what, today - timedelta(days=due)) for kind, what, due in details["remedies"]],
    }


def _plan(spec: dict) -> PlannedCase:
    family = spec["family"]
    arrived = _at(_days_ago(spec))
    return PlannedCase(
        key=spec["key"],
        kind=spec["kind"],
        category=spec["category"],
        received_at=_at(spec["logged_days_ago"]) if "logged_days_ago" in spec else arrived,
        channel=spec.get("channel"),
        arrived_on=arrived.date() if "channel" in spec else None,
        answers=_answers(spec),
        steps=[Step(action, _at(days_ago), _dated(details)) for action, days_ago, details in spec.get("steps", [])],
        account=family[0] if family and family[0] in PARENT_ACCOUNTS else None,
    )


def demo_cases() -> list[PlannedCase]:
    return [_plan(spec) for spec in CASES]


def seed_themes() -> dict[str, LearningTheme]:
    existing = {theme.name: theme for theme in db.session.scalars(db.select(LearningTheme))}
    for name in THEMES:
        if name not in existing:
            existing[name] = LearningTheme(name=name)
            db.session.add(existing[name])
    return existing


def seed_templates() -> None:
    existing = set(db.session.scalars(db.select(ResponseTemplate.name)))
    for name, body in TEMPLATES.items():
        if name not in existing:
            db.session.add(ResponseTemplate(name=name, body=body))
