"""The yearly summary of comments about the Local Offer (SEND Regulations 2014, regulation 56):
what children, young people and families said about it in a financial year, and the council's
response, published and frozen like the annual complaints report (portal.reports.documents).

A comment about the Local Offer is feedback received in the year in the Local Offer category,
or whose response was tagged with the Local Offer learning theme, and a consultation answer
sent in the year and tagged with that theme. The manager says which category and theme those
are (offered by their names at first). Managers read the comments themselves, without names or
contact details; the published summary holds counts and the council's own words only. The
functions here record audit events and leave the commit to the caller.
"""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from portal.accounts.models import User
from portal.casework.models import CaseOutcome, outcome_theme
from portal.consultations import models as consultation_models
from portal.core import audit
from portal.core.links import public_url
from portal.core.rules import RuleError
from portal.core.time import format_day, utcnow
from portal.extensions import db
from portal.feedback.models import KIND_LABELS, KIND_PLURALS, Case, Category
from portal.reports import documents
from portal.reports.models import AnnualReportLocalOffer, PublishedDocument
from portal.reports.periods import FinancialYear
from portal.reports.printing import print_pdf, render_document
from portal.reports.termly import paragraphs
from portal.themes.models import LearningTheme

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "local_offer_summary.saved": "Local Offer comments summary draft saved",
    "local_offer_summary.published": "Local Offer comments summary published",
    "local_offer_summary.corrected": "Published Local Offer comments summary corrected",
}

KIND = documents.LOCAL_OFFER_SUMMARY
CONTENT_TEMPLATE = "reports/_local_offer_document.html"
PRINT_TEMPLATE = "reports/local_offer_print.html"
NAME = "Local Offer"  # how a category or theme about it is recognised at first
COMMENTS_SHOWN = 200  # the most comments of each kind a manager's page lists


class SummaryError(RuleError):
    """Why the summary cannot be saved or published, in words for the manager."""


def period_of(year: FinancialYear) -> str:
    return str(year.start_year)


def draft_for(year: FinancialYear) -> AnnualReportLocalOffer | None:
    return db.session.scalar(sa.select(AnnualReportLocalOffer).where(AnnualReportLocalOffer.year == year.start_year))


def versions_of(year: FinancialYear) -> list[PublishedDocument]:
    return documents.versions(KIND, period_of(year))


# --- which category and theme are the Local Offer ---------------------------------------------


def categories() -> list[Category]:
    return db.session.scalars(sa.select(Category).order_by(Category.position, Category.name)).all()


def themes() -> list[LearningTheme]:
    return db.session.scalars(sa.select(LearningTheme).order_by(LearningTheme.name)).all()


def _named(rows) -> int | None:
    found = [row.id for row in rows if NAME.lower() in row.name.lower()]
    return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class Scope:
    category_id: int | None
    theme_id: int | None


def scope_of(draft: AnnualReportLocalOffer | None) -> Scope:
    """The draft's category and theme, or, before one is saved, the only ones named for the
    Local Offer."""
    if draft is not None:
        return Scope(draft.category_id, draft.theme_id)
    return Scope(_named(categories()), _named(themes()))


# --- counting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Count:
    label: str
    value: int


@dataclass(frozen=True)
class Comment:
    """What someone said, without who they are: the words and where and when they said them."""

    source: str
    said_on: str  # the day, in words
    text: str


@dataclass(frozen=True)
class LocalOfferComments:
    year: FinancialYear
    feedback: list[Count]
    consultations: list[Count]

    @property
    def feedback_total(self) -> int:
        return sum(count.value for count in self.feedback)

    @property
    def consultation_total(self) -> int:
        return sum(count.value for count in self.consultations)

    @property
    def total(self) -> int:
        return self.feedback_total + self.consultation_total

    def figures(self) -> list[tuple[str, str, str, int]]:
        rows = [("Feedback", "Comments about the Local Offer", count.label, count.value) for count in self.feedback]
        rows += [
            ("Consultations", "Answers about the Local Offer", count.label, count.value) for count in self.consultations
        ]
        return [*rows, ("All", "Comments about the Local Offer", "All", self.total)]


def _cases(year: FinancialYear, scope: Scope):
    themed = sa.exists().where(
        CaseOutcome.case_id == Case.id,
        outcome_theme.c.outcome_id == CaseOutcome.id,
        outcome_theme.c.theme_id == scope.theme_id,
    )
    about = [
        condition
        for condition, given in ((Case.category_id == scope.category_id, scope.category_id), (themed, scope.theme_id))
        if given is not None
    ]
    if not about:
        return None
    return sa.and_(Case.received_at >= year.starts_at, Case.received_at < year.ends_at, sa.or_(*about))


def _answers(year: FinancialYear, scope: Scope):
    if scope.theme_id is None:
        return None
    m = consultation_models
    return sa.and_(
        m.Response.submitted_at >= year.starts_at,
        m.Response.submitted_at < year.ends_at,
        m.Answer.id.in_(sa.select(m.answer_theme.c.answer_id).where(m.answer_theme.c.theme_id == scope.theme_id)),
    )


def comments_counted(year: FinancialYear, scope: Scope) -> LocalOfferComments:
    """The year's comments about the Local Offer, by kind of feedback and by consultation: two
    queries."""
    feedback, consultations = [], []
    cases = _cases(year, scope)
    if cases is not None:
        found = dict(db.session.execute(sa.select(Case.kind, sa.func.count()).where(cases).group_by(Case.kind)).all())
        feedback = [Count(KIND_PLURALS[kind], found.get(kind, 0)) for kind in KIND_LABELS]
    answers = _answers(year, scope)
    if answers is not None:
        m = consultation_models
        rows = db.session.execute(
            sa.select(m.Consultation.title, sa.func.count())
            .select_from(m.Answer)
            .join(m.Response, m.Answer.response_id == m.Response.id)
            .join(m.Consultation, m.Response.consultation_id == m.Consultation.id)
            .where(answers)
            .group_by(m.Consultation.title)
            .order_by(m.Consultation.title)
        ).all()
        consultations = [Count(title, number) for title, number in rows]
    return LocalOfferComments(year, feedback, consultations)


def comments_to_read(year: FinancialYear, scope: Scope) -> list[Comment]:
    """What people said, newest first, without their names, contact details or references:
    two queries, each of at most COMMENTS_SHOWN rows."""
    found: list[tuple[datetime, Comment]] = []
    cases = _cases(year, scope)
    if cases is not None:
        rows = db.session.execute(
            sa.select(Case.kind, Case.received_at, Case.what_happened)
            .where(cases, Case.anonymised_at.is_(None))
            .order_by(Case.received_at.desc())
            .limit(COMMENTS_SHOWN)
        )
        found += [(at, Comment(KIND_LABELS[kind], format_day(at), text)) for kind, at, text in rows if text]
    answers = _answers(year, scope)
    if answers is not None:
        m = consultation_models
        rows = db.session.execute(
            sa.select(m.Consultation.title, m.Response.submitted_at, m.Answer.text)
            .select_from(m.Answer)
            .join(m.Response, m.Answer.response_id == m.Response.id)
            .join(m.Consultation, m.Response.consultation_id == m.Consultation.id)
            .where(answers, m.Answer.text.is_not(None))
            .order_by(m.Response.submitted_at.desc())
            .limit(COMMENTS_SHOWN)
        )
        found += [(at, Comment(f"Consultation: {title}", format_day(at), text)) for title, at, text in rows if text]
    return [comment for _, comment in sorted(found, key=lambda pair: pair[0], reverse=True)]


# --- writing and publishing ------------------------------------------------------------------


def save(
    actor: User,
    year: FinancialYear,
    *,
    category_id: int | None,
    theme_id: int | None,
    said: str | None,
    response: str | None,
) -> AnnualReportLocalOffer:
    draft = draft_for(year)
    if draft is None:
        draft = AnnualReportLocalOffer(year=year.start_year)
        db.session.add(draft)
    draft.category_id, draft.theme_id = category_id, theme_id
    draft.said, draft.response = said or None, response or None
    draft.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "local_offer_summary.saved", draft, year=year.start_year)
    return draft


def render_content(year: FinancialYear, comments: LocalOfferComments, draft: AnnualReportLocalOffer) -> str:
    return render_document(CONTENT_TEMPLATE, year=year, comments=comments, draft=draft, paragraphs=paragraphs)


def publish(actor: User, year: FinancialYear, today: date, *, note: str | None = None) -> PublishedDocument:
    """Publish the saved draft with the comments counted now, as the first version or, with
    ``note`` saying what it changes, as a correction."""
    if today <= year.ends_on:
        raise SummaryError(
            f"You can publish the summary for {year.label} once the year has ended, on {format_day(year.ends_on)}"
        )
    draft = draft_for(year)
    if draft is None or draft.category_id is None and draft.theme_id is None:
        raise SummaryError("Select the Local Offer category or learning theme", "category_id")
    if not draft.response:
        raise SummaryError("Enter the council's response", "response")
    note = (note or "").strip() or None
    number = documents.next_version(KIND, period_of(year))
    if number > 1 and not note:
        raise SummaryError("Enter what this correction changes", "note")
    comments = comments_counted(year, scope_of(draft))
    now = utcnow()
    document = documents.freeze(
        actor,
        documents.Draft(
            kind=KIND,
            period=period_of(year),
            version=number,
            title=f"Comments about the Local Offer: {year.label}",
            published_at=now,
            note=note if number > 1 else None,
        ),
        content_html=render_content(year, comments, draft),
        render_pdf=_pdf_renderer(year),
        figures=[list(row) for row in comments.figures()],
    )
    action = "local_offer_summary.published" if number == 1 else "local_offer_summary.corrected"
    audit.record(actor, action, document, year=year.start_year, version=number)
    return document


def _pdf_renderer(year: FinancialYear):
    def render(draft: documents.Draft, content_html: str) -> bytes:
        address = public_url("reports_local_offer.summary", year=year.start_year)
        return print_pdf(PRINT_TEMPLATE, draft=draft, content=content_html, year=year, address=address)

    return render


def pdf_filename(year: FinancialYear, version: int | None = None) -> str:
    suffix = f"-version-{version}" if version else ""
    return f"local-offer-comments-{year.short_label}{suffix}.pdf"
