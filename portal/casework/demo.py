"""Demo cases for seed-demo: a realistic spread across categories, kinds, stages and
statuses, some overdue, with conversations. Dates are relative to today, so the demo always
has cases due soon and overdue. Invented families; addresses end in example.org."""

from datetime import datetime, time, timedelta

from portal.accounts.models import Team, User
from portal.casework.clocks import ACKNOWLEDGE_DAYS, RESPOND_DAYS
from portal.casework.models import CaseOutcome, ResponseTemplate
from portal.core.calendar import add_working_days, is_working_day, receipt_day
from portal.core.models import LearningTheme
from portal.core.time import LONDON, london_today, utcnow
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Case, CaseMessage, Category

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

# Outcome of each responded or closed demo complaint, and the themes it teaches.
OUTCOMES = {
    "demo-04": ("upheld", ["Timeliness of EHC assessments and plans", "Communication and keeping families informed"]),
    "demo-05": ("partly_upheld", ["Quality of EHC plans", "Therapy provision"]),
    "demo-06": ("not_upheld", ["Information and the Local Offer"]),
    "demo-12": ("upheld", ["Home-to-school transport reliability", "Named contact and continuity"]),
}

# key, days ago, kind, category, status, stage, family (email, name), child, what happened,
# outcome wanted, conversation [(from_family, days ago, text)], extra fields
CASES = [
    dict(
        key="demo-01",
        days_ago=2,
        kind="complaint",
        category="Home-to-school transport",
        status="received",
        family=("parent@example.org", "Priya Shah"),
        child=("Arjun", "Year 4", "Riverside Primary School", "yes"),
        what="The taxi to Arjun's school has not arrived on four mornings in the last two weeks. Nobody rang us. He missed his speech therapy session at school twice.",
        outcome="A reliable driver and a phone call when the taxi is late. An apology for the missed sessions.",
        easy_read=False,
        preferred_time="Before 8.30am or after 3pm",
    ),
    dict(
        key="demo-02",
        working_days_ago=8,
        kind="complaint",
        category="EHC needs assessment",
        status="received",
        family=("parent2@example.org", "Tom Okafor"),
        child=("Grace", "Year 7", "Hillside Academy", "assessing"),
        what="We asked for an EHC needs assessment in June. We were told a decision would come within 6 weeks. It is now months later and nobody answers the phone.",
        outcome="A decision on the assessment and a named person we can talk to.",
    ),
    dict(
        key="demo-03",
        days_ago=12,
        kind="complaint",
        category="Communication and named contact",
        status="acknowledged",
        family=("m.begum@example.org", "Mariam Begum"),
        child=("Z.B.", "Year 10", "Northfield School", "yes"),
        what="Every time I call I speak to someone different and I have to explain my son's needs again. Emails go unanswered for weeks.",
        outcome="One named caseworker who replies to emails.",
        interpreter="Bengali",
        conversation=[
            (
                False,
                8,
                "Dear Mrs Begum, thank you for your complaint. I am looking into it and will reply in full by the date shown on your case. Sam Taylor, SENAR North.",
            )
        ],
    ),
    dict(
        key="demo-04",
        days_ago=30,
        kind="complaint",
        category="Annual reviews",
        status="responded",
        family=("d.wright@example.org", "Dan Wright"),
        child=("Ellie", "Year 2", "St Anne's Infant School", "yes"),
        what="Ellie's annual review meeting happened in March but the amended plan has still not been issued.",
        outcome="The amended plan issued and an explanation of the delay.",
        conversation=[
            (False, 26, "Dear Mr Wright, thank you for your complaint. I am sorry for the delay."),
            (True, 20, "Thank you. Is there any news on the plan?"),
            (
                False,
                14,
                "Dear Mr Wright, we have upheld your complaint. The amended plan will be issued by the end of this month. We have changed how we track review deadlines so this does not happen to other families. If you are unhappy with this answer you can ask for a stage 2 review.",
            ),
        ],
    ),
    dict(
        key="demo-05",
        days_ago=55,
        kind="complaint",
        category="EHC plan content and quality",
        status="escalated",
        stage=2,
        family=("s.novak@example.org", "Sofia Novak"),
        child=("Leo", "Year 6", "Oakfield Primary", "yes"),
        what="Leo's plan does not mention his occupational therapy needs even though the report was sent in.",
        outcome="The plan corrected to include the therapy report.",
        escalated_days_ago=6,
        conversation=[
            (False, 40, "Dear Ms Novak, we have looked into your complaint and partly uphold it."),
            (True, 6, "I would like my complaint to be looked at again at stage 2."),
        ],
    ),
    dict(
        key="demo-06",
        days_ago=70,
        kind="complaint",
        category="School place and admissions",
        status="closed",
        family=("r.hughes@example.org", "Rhys Hughes"),
        child=("Cai", "Reception", "Meadow Lane Primary", "no"),
        what="We were not told about the deadline for the school place for September.",
        outcome="An explanation.",
        conversation=[
            (
                False,
                60,
                "Dear Mr Hughes, we have not upheld your complaint, but we have made the deadline clearer on the website.",
            )
        ],
    ),
    dict(
        key="demo-07",
        days_ago=4,
        kind="complaint",
        category="Short breaks and social care",
        status="received",
        urgent=True,
        family=("k.ali@example.org", "Kamal Ali"),
        child=("Y.A.", "Year 9", "", "yes"),
        what="We were promised overnight short breaks from September. Nothing has started and we are at breaking point as a family.",
        outcome="Short breaks to start now.",
    ),
    dict(
        key="demo-08",
        days_ago=20,
        kind="complaint",
        category="Speech and language and other therapies",
        status="acknowledged",
        family=("parent@example.org", "Priya Shah"),
        child=("Arjun", "Year 4", "Riverside Primary School", "yes"),
        what="Speech and language therapy in Arjun's plan has not been delivered this term.",
        outcome="The missed sessions made up.",
        triage="health",
        conversation=[
            (
                False,
                15,
                "Dear Mrs Shah, thank you. We are checking with the therapy service and will reply by the date on your case.",
            )
        ],
    ),
    dict(
        key="demo-09",
        days_ago=3,
        kind="compliment",
        category="Communication and named contact",
        status="received",
        family=("j.evans@example.org", "Jo Evans"),
        child=("", "Year 11", "Northfield School", "yes"),
        what="Our caseworker Jordan rang us back the same day and sorted out the college transition meeting. Thank you!",
    ),
    dict(
        key="demo-10",
        days_ago=15,
        kind="suggestion",
        category="The Local Offer website",
        status="responded",
        family=None,
        child=("", "", "", None),
        what="The Local Offer website is very hard to use on a phone. Please put the contact numbers at the top of each page.",
        conversation=[],
    ),
    dict(
        key="demo-11",
        days_ago=6,
        kind="question",
        category="Preparing for adulthood",
        status="received",
        family=("l.chen@example.org", "Lin Chen"),
        child=("Ming", "Year 12", "Westbrook College", "yes"),
        what="Will Ming's EHC plan continue when he moves to college next year, and who should we talk to about it?",
    ),
    dict(
        key="demo-12",
        days_ago=110,
        kind="complaint",
        category="Home-to-school transport",
        status="closed",
        family=("parent2@example.org", "Tom Okafor"),
        child=("Grace", "Year 6", "Hillside Primary", "assessing"),
        what="Grace's escort changed three times in one week without warning, which caused great distress.",
        outcome="The same escort every day.",
        conversation=[
            (
                False,
                100,
                "Dear Mr Okafor, we uphold your complaint and apologise. Grace will have the same escort from Monday.",
            )
        ],
    ),
    dict(
        key="demo-13",
        days_ago=150,
        kind="suggestion",
        category="Communication and named contact",
        status="closed",
        family=("a.patel@example.org", "Anita Patel"),
        child=("", "", "", None),
        what="Please send a text message when a letter about our child's plan has been posted.",
    ),
    dict(
        key="demo-14",
        days_ago=200,
        kind="compliment",
        category="Annual reviews",
        status="closed",
        family=("parent@example.org", "Priya Shah"),
        child=("Arjun", "Year 3", "Riverside Primary School", "yes"),
        what="The annual review was the best we have had. Everyone listened to Arjun.",
    ),
]


def _dated(spec: dict) -> dict:
    """The spec with its calendar days ago. A case meant to be overdue whatever the day of the
    week is dated in working days: 8 working days old is always past the 5-day acknowledgement."""
    if "working_days_ago" not in spec:
        return spec
    day, remaining = london_today(), spec["working_days_ago"]
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return {**spec, "days_ago": (london_today() - day).days}


def _at(days_ago: int) -> datetime:
    day = (utcnow() - timedelta(days=days_ago)).astimezone(LONDON).date()
    return datetime.combine(day, time(10, 30), tzinfo=LONDON)


def _make_case(spec: dict, categories: dict, staff: list[User], themes: dict) -> Case:
    received = _at(spec["days_ago"])
    category = categories[spec["category"]]
    family = spec.get("family")
    parent = db.session.scalar(db.select(User).where(User.email == family[0])) if family else None
    child_name, year, setting, ehc = spec["child"]
    complaint = spec["kind"] == "complaint"
    case = Case(
        reference=services.allocate_reference(received.year),
        submission_key=spec["key"],
        kind=spec["kind"],
        category=category,
        team=category.team,
        status=spec["status"],
        stage=spec.get("stage", 1) if complaint else None,
        urgent=spec.get("urgent", False),
        triage_route={"health": "health"}.get(spec.get("triage")),
        what_happened=spec["what"],
        outcome_wanted=spec.get("outcome") if complaint else None,
        child_name=child_name or None,
        child_year_group=year or None,
        child_setting=setting or None,
        child_has_ehc_plan=ehc,
        anonymous=family is None,
        contact_name=family[1] if family else None,
        contact_email=family[0] if family else None,
        relationship_to_child="Parent" if family else None,
        preferred_contact="email" if family else None,
        needs_easy_read=spec.get("easy_read", False),
        interpreter_language=spec.get("interpreter"),
        preferred_time=spec.get("preferred_time"),
        user_id=parent.id if parent and parent.role == "parent" else None,
        received_at=received,
    )
    team_staff = [person for person in staff if person.team_id == category.team_id]
    if spec["status"] != "received" or spec.get("days_ago", 0) > 3:
        case.caseworker = team_staff[0] if team_staff else (staff[0] if staff else None)
    if complaint:
        received_day = receipt_day(received.date())
        case.acknowledge_by = add_working_days(received_day, ACKNOWLEDGE_DAYS[1])
        if spec["status"] != "received":
            acknowledged = case.acknowledge_by - timedelta(days=2)
            case.acknowledged_at = datetime.combine(acknowledged, time(11), tzinfo=LONDON)
            case.respond_by = add_working_days(acknowledged, RESPOND_DAYS[1])
        if spec["status"] in ("responded", "closed"):
            case.responded_at = _at(max(spec["days_ago"] - 12, 1))
        if spec["status"] == "closed":
            case.closed_at = _at(max(spec["days_ago"] - 20, 1))
        if spec.get("stage") == 2:
            escalated = _at(spec["escalated_days_ago"])
            case.escalated_at = escalated
            case.stage1_caseworker_id = case.caseworker.id if case.caseworker else None
            others = [person for person in staff if person.id != case.stage1_caseworker_id]
            case.caseworker = others[0] if others else None
            case.acknowledge_by = add_working_days(receipt_day(escalated.date()), ACKNOWLEDGE_DAYS[2])
            case.acknowledged_at = None
            case.respond_by = None
    elif spec["status"] == "closed":
        case.closed_at = _at(max(spec["days_ago"] - 10, 1))
    db.session.add(case)
    if spec["key"] in OUTCOMES:
        finding, theme_names = OUTCOMES[spec["key"]]
        last_reply = next(
            (text for from_family, _, text in reversed(spec.get("conversation", [])) if not from_family), ""
        )
        outcome = CaseOutcome(
            case=case,
            stage=1,
            outcome=finding,
            summary=last_reply or spec["what"],
            recorded_at=case.responded_at or received,
        )
        outcome.themes = [themes[name] for name in theme_names]
        outcome.recorded_by_id = case.stage1_caseworker_id or case.caseworker_id
        db.session.add(outcome)
    for from_family, days_ago, text in spec.get("conversation", []):
        db.session.add(
            CaseMessage(
                case=case,
                body=text,
                from_family=from_family,
                author=None if from_family else case.caseworker,
                created_at=_at(days_ago),
            )
        )
    return case


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


def seed_team_leads() -> None:
    """The demo manager leads every team that has no lead yet."""
    manager = db.session.scalar(db.select(User).where(User.email == "manager@example.org"))
    if manager is not None:
        for team in db.session.scalars(db.select(Team).where(Team.lead_id.is_(None))):
            team.lead = manager


def seed_cases() -> int:
    """Add the demo cases not already there. Returns how many were added."""
    themes = seed_themes()
    seed_templates()
    seed_team_leads()
    existing = set(db.session.scalars(db.select(Case.submission_key).where(Case.submission_key.like("demo-%"))))
    categories = {category.name: category for category in db.session.scalars(db.select(Category))}
    staff = db.session.scalars(db.select(User).where(User.role == "caseworker").order_by(User.id)).all()
    added = 0
    for spec in sorted(map(_dated, CASES), key=lambda spec: -spec["days_ago"]):
        if spec["key"] not in existing:
            _make_case(spec, categories, staff, themes)
            added += 1
    return added
