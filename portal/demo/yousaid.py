"""Demo You Said, We Did entries for seed-demo: the three changes the partnership made after
listening to families (the name CAN, named caseworkers, the Local Offer), published with their
dated history, plus one draft so that managers see one waiting.

Dates are relative to today: the CAN entry belongs to the previous school term and was done in
this one; the other two belong to this term and are in progress. Each entry points to the
demo consultations and to a few demo cases about its theme. Idempotent: an entry whose title
exists already is left alone. No email is sent (publishing here is not the managers' action,
which tells the families who asked).
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.accounts import roles
from portal.accounts.models import User
from portal.casework.models import CaseOutcome, outcome_theme
from portal.consultations.models import Consultation
from portal.core.terms import recent_terms
from portal.core.time import LONDON, utcnow
from portal.extensions import db
from portal.feedback.models import Case, Category
from portal.themes.models import LearningTheme
from portal.yousaid.models import DONE, IN_PROGRESS, PLANNED, YouSaidChange, YouSaidEntry

# term: "current" or "previous"; history: [(status, days after the term began, note)], the first
# being the publication (None: a draft); cases: how many demo cases about the theme to link.
ENTRIES = [
    dict(
        title="We say CAN, not SEND",
        theme="Communication and keeping families informed",
        term="previous",
        you_said="Young people in the youth forum told us that the term SEND did not represent them: it made them "
        "sound like a problem to be solved. Most of the people who answered our consultation agreed with them.",
        we_did="The partnership adopted CAN (Children with Additional Needs). This website is now called Together We "
        "CAN, and our leaflets and web pages change as they are reprinted. Letters about EHC plans and tribunal rights "
        "still say SEND where the law needs it, with CAN alongside.",
        action_owner="The partnership board (council, health, schools, the parent carer forum and the youth forum)",
        history=[
            (PLANNED, 12, None),
            (IN_PROGRESS, 40, "This website and the new leaflets use CAN."),
            (DONE, "current+20", "Every page and leaflet now says CAN; letters keep SEND where the law needs it."),
        ],
        due_after_days=150,
        consultations=["renaming-send-to-can"],
        cases=0,
    ),
    dict(
        title="A named caseworker for every family",
        theme="Named contact and continuity",
        term="current",
        you_said="Families told us they had to explain their child's needs again every time they called, and that "
        "they wanted a direct, named contact who knows their child.",
        we_did="We are appointing more caseworkers in the assessment and review service (SENAR), so that every family "
        "has a named caseworker with a direct phone number. Before they start, we are asking families how their "
        "caseworker should keep in touch.",
        action_owner="Head of the SEND assessment and review service",
        history=[(PLANNED, 9, None), (IN_PROGRESS, 30, "Six of the ten new caseworkers have started.")],
        due_after_days=200,
        consultations=["how-named-caseworkers-keep-in-touch"],
        cases=5,
    ),
    dict(
        title="Rebuilding the Local Offer website with families",
        theme="Information and the Local Offer",
        term="current",
        you_said="Families told us the Local Offer was hard to find and hard to use, especially on a phone, and that "
        "some of what it said was out of date.",
        we_did="We are rebuilding the Local Offer with families. The consultation on what to fix first is open now, "
        "and a group of parents and young people tests each new page before it goes live.",
        action_owner="Local Offer manager, Commissioning",
        history=[(IN_PROGRESS, 15, None)],
        due_after_days=240,
        consultations=["the-local-offer-website"],
        cases=5,
        category="The Local Offer website",
    ),
    dict(
        title="A text when school transport is running late",
        theme="Home-to-school transport reliability",
        term="current",
        you_said="Parents told us that when the taxi or minibus is late nobody tells them, and their children get "
        "anxious waiting at the door.",
        we_did="Travel Assist will try sending families a text whenever a driver is running more than 10 minutes "
        "late, on ten routes first.",
        action_owner="Travel Assist service manager",
        history=[],
        due_after_days=120,
        consultations=["home-to-school-transport"],
        cases=3,
    ),
]


def _clamp(moment: datetime, low: datetime, high: datetime) -> datetime:
    return max(low, min(moment, high))


def _linked_cases(theme: LearningTheme, how_many: int, category: str | None) -> list[Case]:
    """The most recent demo cases whose outcome taught the theme (and, if given, feedback about
    the category, such as suggestions, which carry no outcome)."""
    if not how_many:
        return []
    themed = (
        sa.select(CaseOutcome.case_id)
        .join(outcome_theme, outcome_theme.c.outcome_id == CaseOutcome.id)
        .where(outcome_theme.c.theme_id == theme.id)
    )
    condition = Case.id.in_(themed)
    if category:
        condition = sa.or_(condition, Case.category_id.in_(sa.select(Category.id).where(Category.name == category)))
    return db.session.scalars(
        sa.select(Case)
        .where(condition, Case.submission_key.like("demo-%"))
        .order_by(Case.received_at.desc(), Case.id.desc())
        .limit(how_many)
    ).all()


def seed_you_said(now: datetime | None = None) -> int:
    """Add the demo entries not already there. Returns how many were added."""
    now = now or utcnow()
    existing = set(db.session.scalars(sa.select(YouSaidEntry.title)))
    wanted = [spec for spec in ENTRIES if spec["title"] not in existing]
    if not wanted:
        return 0
    themes = {theme.name: theme for theme in db.session.scalars(sa.select(LearningTheme))}
    consultations = {c.slug: c for c in db.session.scalars(sa.select(Consultation))}
    manager = db.session.scalar(
        sa.select(User)
        .where(User.role == roles.MANAGER)
        .order_by(User.email != "manager@example.org", User.id)
        .limit(1)
    )
    current, previous = recent_terms(now.astimezone(LONDON).date(), 2)
    latest = now - timedelta(hours=1)
    added = 0
    for spec in wanted:
        theme = themes.get(spec["theme"])
        if theme is None:
            continue
        term = current if spec["term"] == "current" else previous

        def moment(after_days, earlier: datetime, term=term) -> datetime:
            # "current+20": 20 days into this term; otherwise days into the entry's own term.
            start = current.starts_at if isinstance(after_days, str) else term.starts_at
            days = int(after_days.split("+")[1]) if isinstance(after_days, str) else after_days
            end = (
                latest
                if isinstance(after_days, str) or term == current
                else min(term.ends_at - timedelta(hours=12), latest)
            )
            return _clamp(
                start + timedelta(days=days, hours=10),
                earlier + timedelta(minutes=5),
                max(end, earlier + timedelta(minutes=5)),
            )

        created = _clamp(term.starts_at + timedelta(days=5, hours=9), term.starts_at, latest - timedelta(hours=2))
        entry = YouSaidEntry(
            term=term.slug,
            theme=theme,
            title=spec["title"],
            you_said=spec["you_said"],
            we_did=spec["we_did"],
            action_owner=spec["action_owner"],
            action_status=PLANNED,
            created_by=manager,
            created_at=created,
            updated_at=created,
        )
        last = created
        for position, (status, after_days, note) in enumerate(spec["history"]):
            at = moment(after_days, last)
            if position == 0:
                entry.published_at = at
                entry.action_starts_on = at.astimezone(LONDON).date()
            entry.changes.append(
                YouSaidChange(
                    kind=YouSaidChange.STATUS if position else YouSaidChange.PUBLISHED,
                    status=status,
                    note=note,
                    occurred_at=at,
                )
            )
            entry.action_status = status
            if status == DONE:
                entry.action_done_on = at.astimezone(LONDON).date()
            last = entry.updated_at = at
        entry.action_due_on = (entry.action_starts_on or created.astimezone(LONDON).date()) + timedelta(
            days=spec["due_after_days"]
        )
        entry.consultations = sorted(
            (
                consultations[slug]
                for slug in spec["consultations"]
                if slug in consultations and consultations[slug].published_at
            ),
            key=lambda c: c.title,
        )
        entry.cases = _linked_cases(theme, spec["cases"], spec.get("category"))
        db.session.add(entry)
        added += 1
    db.session.flush()
    return added
