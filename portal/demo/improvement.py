"""The demo's improvement plan for seed-demo: six of the areas of weakness the inspectors named,
each with its actions, owners and leads, milestones at 3, 6 and 12 months, measures with a value
for each of three terms, and evidence from the demo's You Said, We Did entries, consultations
and learning themes.

Made through the real services under a clock stopped at each step's moment (time-machine): the
plan began on the first day of the term before last, its milestones move on with dated reasons,
its values are recorded as each term ends (complaints answered on time computed by the portal
from the demo's cases), and it was published twice: a fortnight ago, and again a week ago when
the second therapy clinic slipped off track. Idempotent: nothing is added once an area exists.
"""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
import time_machine
from dateutil.relativedelta import relativedelta

from portal.accounts.models import User
from portal.consultations.models import Consultation
from portal.core.terms import recent_terms
from portal.core.time import LONDON, london_today, utcnow
from portal.extensions import db
from portal.improvement import measure_sources, plan
from portal.improvement.models import (
    AT_RISK,
    COUNCIL,
    DONE,
    NHS,
    OFF_TRACK,
    ON_TRACK,
    PARTNERSHIP,
    SCHOOLS,
    Area,
)
from portal.themes.models import LearningTheme
from portal.yousaid.models import YouSaidEntry

# A milestone: (title, months, [(status, days after the plan began, reason)]).
# A measure: (title, unit, baseline, target, higher is better, source key, values for three terms).
AREAS = [
    dict(
        title="Long waits for speech and language and other therapies",
        finding="Children waited far too long for therapies: some families waited up to 90 weeks for speech and "
        "language therapy.",
        actions=[
            (
                "Cut the waiting list for speech and language therapy",
                NHS,
                "Dr Asha Patel",
                "Director of children's therapies, integrated care board",
                [
                    (
                        "Every child on the waiting list seen for a first assessment",
                        3,
                        [(DONE, 80, "All 412 children seen.")],
                    ),
                    (
                        "A second therapy clinic open in the north of the city",
                        6,
                        [
                            (ON_TRACK, 30, "Building found and lease agreed."),
                            (AT_RISK, 150, "Two of the four therapists have not yet been recruited."),
                        ],
                    ),
                    ("No child waits more than 18 weeks", 12, [(ON_TRACK, 60, "Waits are falling each month.")]),
                ],
            ),
        ],
        measures=[
            ("Longest wait for speech and language therapy", "weeks", 90, 18, False, None, (84, 70, 66)),
        ],
        you_said=[],
        consultations=[],
        themes=["Therapy provision"],
    ),
    dict(
        title="EHC plans of variable quality",
        finding="Education, health and care plans were of variable quality: short-term school targets, little about "
        "health and care, and outcomes that were neither aspirational nor measurable.",
        actions=[
            (
                "Rewrite how EHC plans are written, with families",
                COUNCIL,
                "Marcus Reid",
                "Head of the SEND assessment and review service",
                [
                    (
                        "An audit of 100 plans, with the parent carer forum",
                        3,
                        [(DONE, 85, "Audit published to the board.")],
                    ),
                    (
                        "A new plan template with health and care sections",
                        6,
                        [(AT_RISK, 170, "Health partners have not yet agreed their sections.")],
                    ),
                    ("8 in 10 audited plans judged good", 12, []),
                ],
            ),
            (
                "Schools write outcomes with families",
                SCHOOLS,
                "Grace Okafor",
                "Chair of the secondary schools partnership",
                [("Every special educational needs coordinator trained", 6, [(ON_TRACK, 100, "Half trained so far.")])],
            ),
        ],
        measures=[
            ("EHC plans issued within 20 weeks", "%", 24, 60, True, None, (31, 38, 44)),
        ],
        you_said=[],
        consultations=[],
        themes=["Quality of EHC plans", "Timeliness of EHC assessments and plans"],
    ),
    dict(
        title="Weak engagement with parents and high dissatisfaction",
        finding="Engagement with parents was weak and levels of parental dissatisfaction were high: families who "
        "had a good experience called themselves \u201cthe lucky ones\u201d.",
        actions=[
            (
                "Co-produce the service with the parent carer forum and the youth forum",
                PARTNERSHIP,
                "Helen Brooks",
                "Co-production lead",
                [
                    ("A co-production charter signed by every partner", 3, [(DONE, 60, "Signed at the board.")]),
                    ("You Said, We Did published every term", 6, [(DONE, 175, "Published for two terms running.")]),
                    (
                        "6 in 10 families satisfied with how complaints are handled",
                        12,
                        [(ON_TRACK, 120, "Satisfaction rising each term.")],
                    ),
                ],
            ),
        ],
        measures=[
            ("Families satisfied with how their complaint was handled", "%", 35, 60, True, None, (41, 46, 52)),
            (
                "Complaints answered by their deadline",
                "%",
                52,
                95,
                True,
                measure_sources.COMPLAINTS_ON_TIME,
                None,
            ),
        ],
        you_said=["We say CAN, not SEND", "A named caseworker for every family"],
        consultations=["renaming-send-to-can", "how-named-caseworkers-keep-in-touch"],
        themes=["Communication and keeping families informed", "Named contact and continuity"],
    ),
    dict(
        title="A Local Offer that is hard to find and use",
        finding="The Local Offer website was difficult to find and was not a useful way to communicate with parents.",
        actions=[
            (
                "Rebuild the Local Offer with families",
                COUNCIL,
                "Priya Shah",
                "Local Offer manager, Commissioning",
                [
                    ("Families test a first version", 3, [(DONE, 88, "Forty families and young people tested it.")]),
                    ("The new Local Offer live", 6, [(ON_TRACK, 100, "Content being moved across.")]),
                    ("Half of families who use it find it useful", 12, []),
                ],
            ),
        ],
        measures=[
            ("Families who found what they needed on the Local Offer", "%", 22, 50, True, None, (25, 31, 36)),
        ],
        you_said=["Rebuilding the Local Offer website with families"],
        consultations=["the-local-offer-website"],
        themes=["Information and the Local Offer"],
    ),
    dict(
        title="No clear, shared strategy across education, health and social care",
        finding="Education, health and social care had no clear, shared strategy for children with additional needs, "
        "and their leaders did not work together at a strategic level.",
        actions=[
            (
                "Agree one strategy across the partnership",
                PARTNERSHIP,
                "Sarah Whitfield",
                "Director of children's services",
                [
                    ("A joint strategy agreed by the improvement board", 3, [(DONE, 95, "Agreed by every partner.")]),
                    (
                        "The strategy reviewed with the Department for Education and NHS England",
                        12,
                        [(ON_TRACK, 120, "First six-monthly review held.")],
                    ),
                ],
            ),
        ],
        measures=[],
        you_said=[],
        consultations=[],
        themes=[],
    ),
    dict(
        title="Safeguarding concerns in home-to-school transport",
        finding="There were safeguarding concerns in home-to-school transport; the provider's contract was ended.",
        actions=[
            (
                "Make every journey to school safe",
                COUNCIL,
                "Tom Hughes",
                "Head of Travel Assist",
                [
                    ("Every driver and escort checked and trained", 3, [(DONE, 40, "All 230 checked and trained.")]),
                    (
                        "Families told by text when transport is running late",
                        6,
                        [(ON_TRACK, 60, "Testing with ten routes."), (DONE, 178, "Live on every route.")],
                    ),
                ],
            ),
        ],
        measures=[],
        you_said=["A text when school transport is running late"],
        consultations=["home-to-school-transport"],
        themes=["Home-to-school transport reliability"],
    ),
    *(
        dict(
            title=title,
            finding=finding,
            actions=[(action, owner, lead_name, lead_role, milestones)],
            measures=[],
            you_said=[],
            consultations=[],
            themes=[],
        )
        for title, finding, action, owner, lead_name, lead_role, milestones in (
            (
                "Teams not working together at a strategic level",
                "Health, education and social care teams did not work together at a strategic level.",
                "One SEND leadership team across the council and the NHS",
                PARTNERSHIP,
                "Helen Carter",
                "Chair of the SEND Improvement Board",
                [
                    ("A joint leadership team meeting every month", 3, [(DONE, 70, "Meeting monthly since spring.")]),
                    (
                        "Shared budgets for joint services agreed",
                        12,
                        [(ON_TRACK, 150, "Draft agreement with lawyers.")],
                    ),
                ],
            ),
            (
                "Joint commissioning still developing",
                "Joint commissioning was underdeveloped in 2018; by 2021 it was the one area that had improved.",
                "Commission short breaks and therapies together",
                PARTNERSHIP,
                "Priya Shah",
                "Head of joint commissioning",
                [("A joint short breaks contract let", 12, [(ON_TRACK, 120, "Tender published.")])],
            ),
            (
                "Weak academic progress for pupils with SEND",
                "Pupils with SEND made weak academic progress at every key stage.",
                "Every school reviews the progress of its pupils with SEND each term",
                SCHOOLS,
                "Grace Okafor",
                "Chair of the secondary schools partnership",
                [("Every school's first termly review done", 3, [(DONE, 90, "All 112 schools reviewed.")])],
            ),
            (
                "Lower attendance and more exclusions",
                "Pupils with SEND attended school less and were excluded more often than other pupils.",
                "Support before exclusion for every pupil with an EHC plan",
                SCHOOLS,
                "Daniel Brooks",
                "Chair of the primary schools partnership",
                [("An inclusion adviser for every school cluster", 12, [(ON_TRACK, 110, "Five of eight appointed.")])],
            ),
            (
                "Children with SEND not in school at all",
                "Hundreds of children with SEND were not in school at all.",
                "A named officer for every child out of school",
                COUNCIL,
                "Marcus Reid",
                "Head of the SEND assessment and review service",
                [
                    (
                        "Every child out of school known by name",
                        3,
                        [(DONE, 75, "All 340 children have a named officer.")],
                    )
                ],
            ),
            (
                "Too few young people in work",
                "Too few young people with SEND entered employment or supported employment.",
                "Supported internships with the city's employers",
                COUNCIL,
                "Amara Osei",
                "Head of preparation for adulthood",
                [("Forty supported internships a year", 12, [])],
            ),
        )
    ),
]

# The milestone that slips between the two publications, and why.
SLIPPED = (
    "A second therapy clinic open in the north of the city",
    OFF_TRACK,
    "Recruitment failed twice: opening moved to spring.",
)
FIRST_SUMMARY = "The plan as agreed with the improvement board, with progress and figures for three terms."
SECOND_SUMMARY = "The second therapy clinic is now off track: recruitment failed twice."


def seed_improvement(now: datetime | None = None) -> bool:
    """The demo's plan, published twice. Returns whether it was added."""
    if db.session.scalar(sa.select(Area.id).limit(1)) is not None:
        return False
    now = now or utcnow()
    today = now.astimezone(LONDON).date()
    first_published = now - timedelta(days=14)
    last_value_day = (first_published - timedelta(days=1)).astimezone(LONDON).date()
    # The three latest terms under way before the first publication, oldest first.
    terms = [term for term in reversed(recent_terms(today, 4)) if term.starts_on <= last_value_day][-3:]
    begins = terms[0].starts_on
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    steps: list[tuple[datetime, Callable[[], None]]] = []
    made: dict = {}

    def at(day: date, hour: int = 10) -> datetime:
        return datetime.combine(day, time(hour), LONDON)

    steps.append((at(begins), lambda: made.update(_build(manager, begins))))
    for spec in AREAS:
        for _, _, _, _, milestones in spec["actions"]:
            for title, _, changes in milestones:
                for status, days, reason in changes:
                    steps.append(
                        (at(begins + timedelta(days=days)), _status_step(manager, made, title, status, reason))
                    )
    for index, term in enumerate(terms):
        steps.append((at(min(term.ends_on, last_value_day), 17), _values_step(manager, made, term, index)))
    steps.sort(key=lambda step: step[0])
    steps.append((first_published, lambda: plan.publish(manager, FIRST_SUMMARY)))
    title, status, reason = SLIPPED
    steps.append((now - timedelta(days=8), _status_step(manager, made, title, status, reason)))
    steps.append((now - timedelta(days=7), lambda: plan.publish(manager, SECOND_SUMMARY)))
    for moment, step in steps:
        with time_machine.travel(moment, tick=False):
            step()
            db.session.flush()
    return True


def _build(manager: User, begins: date) -> dict:
    """Every area, action, milestone and measure, and the evidence links. Returns the milestones
    and the typed measures by title, for the later steps."""
    milestones, typed = {}, {}
    for spec in AREAS:
        area = plan.add_area(manager, title=spec["title"], finding=spec["finding"])
        for title, owner, lead_name, lead_role, steps in spec["actions"]:
            action = plan.add_action(manager, area, title=title, owner=owner, lead_name=lead_name, lead_role=lead_role)
            for name, months, _ in steps:
                milestones[name] = plan.add_milestone(
                    manager, action, title=name, horizon_months=months, target_on=begins + relativedelta(months=months)
                )
        for title, unit, baseline, target, higher, source_key, values in spec["measures"]:
            measure = plan.add_measure(
                manager,
                area,
                title=title,
                unit=unit,
                baseline=baseline,
                target=target,
                higher_is_better=higher,
                source_key=source_key,
            )
            if values:
                typed[title] = (measure, values)
        _link_evidence(manager, area, spec)
    return {"milestones": milestones, "typed": typed}


def _link_evidence(manager: User, area: Area, spec: dict) -> None:
    def ids(model, column, wanted):
        """Only what the public can read can be evidence: the draft You Said entry is left out."""
        query = sa.select(model.id).where(column.in_(wanted))
        if hasattr(model, "published_at"):
            query = query.where(model.published_at.is_not(None))
        return list(db.session.scalars(query)) if wanted else []

    plan.set_evidence(
        manager,
        area,
        you_said_ids=ids(YouSaidEntry, YouSaidEntry.title, spec["you_said"]),
        consultation_ids=ids(Consultation, Consultation.slug, spec["consultations"]),
        theme_ids=ids(LearningTheme, LearningTheme.name, spec["themes"]),
    )


def _status_step(manager: User, made: dict, title: str, status: str, reason: str) -> Callable[[], None]:
    return lambda: plan.change_status(manager, made["milestones"][title], status, reason)


def _values_step(manager: User, made: dict, term, index: int) -> Callable[[], None]:
    def record() -> None:
        for measure, values in made["typed"].values():
            plan.add_value(
                manager,
                measure,
                period=term.label,
                measured_on=min(term.ends_on, london_today()),
                value=values[index],
                source="The council's and the NHS's own records",
                term=term.slug,
            )
        plan.fill_computed_measures(term, manager)

    return record
