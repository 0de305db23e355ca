"""The termly update at /updates/<term>: an honest account of one school term, assembled from
the data, with what managers write around it.

From the data (counts only, never what a family wrote or who they are):
- feedback of every kind received in the term, by kind and by category;
- the share of complaints acknowledged and answered within the Code's timescales, stage by stage;
- the outcomes of the responses sent in the term;
- how families who answered the satisfaction survey in the term felt their complaints were
  handled, small groups kept back (portal.reports.satisfaction);
- the term's published You Said, We Did entries, with their evidence counts;
- the consultations open now and coming up.
From managers: an introduction and the priorities for next term.

Every figure is counted in SQL over the whole term by portal.reports.complaints, the same
queries as the annual complaints report, so the count costs a fixed number of queries however
many cases there are. A term is counted to its end, or to now while it is going on.

An update is a draft until a manager publishes it; only then do /updates/<term> and its PDF
exist. Publishing freezes it (portal.reports.documents): the figures as counted at that
moment, the page's content and its PDF are stored as version 1, and the public reads only
that. A correction says what it changes and becomes the next version; every version stays
readable. The functions here take what they need, record audit events, and leave the commit to
the caller.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.consultations import take_part
from portal.consultations.board import closing_words
from portal.consultations.models import OPEN, UPCOMING, Consultation
from portal.consultations.take_part_models import Opportunity
from portal.core import audit
from portal.core.complaint_code import STAGES
from portal.core.links import public_url
from portal.core.rules import RuleError
from portal.core.terms import Term, parse_term, term_of
from portal.core.time import LONDON, format_day, utcnow
from portal.extensions import db
from portal.improvement.published import Behind, Plan, behind_schedule, published_plan
from portal.reports import documents
from portal.reports.complaints import (
    ComplaintsReport,
    FeedbackReceived,
    StageTimescales,
    complaints_report,
    feedback_received,
)
from portal.reports.models import PublishedDocument, TermlyUpdate
from portal.reports.printing import print_pdf, render_document
from portal.reports.satisfaction import SatisfactionResults, satisfaction_results
from portal.themes.models import LearningTheme
from portal.yousaid.entries import consultation_url
from portal.yousaid.evidence import NONE, Evidence, evidence_of
from portal.yousaid.models import YouSaidEntry

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "termly_update.saved": "Termly update draft saved",
    "termly_update.published": "Termly update published",
    "termly_update.corrected": "Published termly update corrected",
}

TEXT_FIELDS = ("introduction", "priorities")
# The parts of the complaints report a termly update shows.
REPORT_SECTIONS = ("volumes", "outcomes", "timescales", "extensions", "other_procedures")

_BLANK_LINE = re.compile(r"\n[ \t]*\n")

NOT_STARTED = "not_started"
DRAFT = "draft"
PUBLISHED = "published"
STATE_LABELS = {NOT_STARTED: "Not started", DRAFT: "Draft", PUBLISHED: "Published"}


class UpdateError(RuleError):
    """A change the rules do not allow, in words for the manager; ``field`` names the form field."""


class AlreadyPublished(UpdateError):
    """Someone published the update first."""


# --- reading ---------------------------------------------------------------------------------


def state_of(update: TermlyUpdate | None) -> str:
    if update is None:
        return NOT_STARTED
    return PUBLISHED if update.published_at is not None else DRAFT


def was_corrected(update: TermlyUpdate | None) -> bool:
    """Whether a published update was changed after it was published."""
    return bool(update and update.published_at and update.updated_at > update.published_at)


def update_for(term: Term) -> TermlyUpdate | None:
    """The term's update, draft or published: one query."""
    return db.session.scalar(sa.select(TermlyUpdate).where(TermlyUpdate.term == term.slug))


def published_update(term: Term) -> TermlyUpdate | None:
    """The term's update if it is published (the public sees nothing else): one query."""
    return db.session.scalar(
        sa.select(TermlyUpdate).where(TermlyUpdate.term == term.slug, TermlyUpdate.published_at.is_not(None))
    )


def _newest_term_first(updates: list[TermlyUpdate]) -> list[tuple[Term, TermlyUpdate]]:
    found = [(term, update) for update in updates if (term := parse_term(update.term)) is not None]
    return sorted(found, key=lambda pair: pair[0], reverse=True)


def published_updates() -> list[tuple[Term, TermlyUpdate]]:
    """Every published update with its term, newest term first: one query."""
    return _newest_term_first(
        db.session.scalars(sa.select(TermlyUpdate).where(TermlyUpdate.published_at.is_not(None))).all()
    )


def terms_to_manage(today: date, back: int = 2) -> list[tuple[Term, TermlyUpdate | None]]:
    """For managers, newest first: the next term, the current one and ``back`` before it, then
    any older term that has an update. One query."""
    updates = {update.term: update for update in db.session.scalars(sa.select(TermlyUpdate))}
    current = term_of(today)
    terms = [current.next(), current]
    for _ in range(back):
        terms.append(terms[-1].previous())
    older = [term for term, _ in _newest_term_first(list(updates.values())) if term not in terms]
    return [(term, updates.get(term.slug)) for term in sorted([*terms, *older], reverse=True)]


@dataclass
class TermlyFigures:
    """Everything the page and the PDF show for one term. Counts, category and theme names,
    and what managers wrote for the public: nothing else."""

    term: Term
    today: date
    update: TermlyUpdate | None
    complaints: ComplaintsReport
    feedback: FeedbackReceived
    entries: list[tuple[YouSaidEntry, Evidence]]
    open_consultations: list[Consultation]
    upcoming_consultations: list[Consultation]
    satisfaction: SatisfactionResults
    plan: Plan | None = None  # the improvement plan as last published
    behind: list[Behind] = field(default_factory=list)  # its milestones off track or late today
    opportunities: list[Opportunity] = field(default_factory=list)  # ways to take part from today

    @property
    def next_term(self) -> Term:
        return self.term.next()

    @property
    def started(self) -> bool:
        return self.complaints.started

    @property
    def complete(self) -> bool:
        return self.complaints.complete

    @property
    def as_of_day(self) -> date:
        return self.complaints.as_of_day

    @property
    def introduction(self) -> str:
        return (self.update.introduction if self.update else None) or ""

    @property
    def priorities(self) -> str:
        return (self.update.priorities if self.update else None) or ""

    @property
    def introduction_paragraphs(self) -> list[str]:
        return paragraphs(self.introduction)

    @property
    def priorities_paragraphs(self) -> list[str]:
        return paragraphs(self.priorities)

    @property
    def published_at(self) -> datetime | None:
        return self.update.published_at if self.update else None

    @property
    def timescales(self) -> list[StageTimescales]:
        return [self.complaints.timescales[stage] for stage in STAGES]

    def outcomes(self, stage: int):
        return self.complaints.outcomes[stage]

    def outcomes_total(self, stage: int) -> int:
        return self.complaints.outcomes_total(stage)


def paragraphs(text: str | None) -> list[str]:
    """A manager's text as paragraphs, split at blank lines (single line breaks are kept)."""
    parts = _BLANK_LINE.split((text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return [part.strip() for part in parts if part.strip()]


def _entries(term: Term) -> list[YouSaidEntry]:
    """The term's published You Said, We Did entries with their themes, by theme: one query."""
    return db.session.scalars(
        sa.select(YouSaidEntry)
        .join(LearningTheme, LearningTheme.id == YouSaidEntry.theme_id)
        .options(contains_eager(YouSaidEntry.theme))
        .where(YouSaidEntry.term == term.slug, YouSaidEntry.published_at.is_not(None))
        .order_by(LearningTheme.name, YouSaidEntry.published_at, YouSaidEntry.id)
    ).all()


def _consultations(today: date) -> tuple[list[Consultation], list[Consultation]]:
    """Published consultations open today (closing soonest first) and coming up (opening
    soonest first); drafts and closed ones never. One query."""
    rows = db.session.scalars(
        sa.select(Consultation)
        .where(
            Consultation.published_at.is_not(None),
            Consultation.outcome_published_at.is_(None),
            Consultation.closes_on >= today,
        )
        .order_by(Consultation.opens_on, Consultation.closes_on, Consultation.title, Consultation.id)
    ).all()
    open_now = sorted((c for c in rows if c.state(today) == OPEN), key=lambda c: (c.closes_on, c.title, c.id))
    upcoming = [c for c in rows if c.state(today) == UPCOMING]
    return open_now, upcoming


def assemble(
    term: Term, today: date | None = None, *, now: datetime | None = None, update: TermlyUpdate | None = None
) -> TermlyFigures:
    """Every figure for the term's page and PDF, as things stood at the term's end (or ``now``,
    while it is going on). ``update`` is what managers wrote, if anything. At most fourteen
    queries, however many cases, entries, consultations or milestones there are; a term not yet
    started has no figures and costs no query for them."""
    now = now or utcnow()
    today = today or now.astimezone(LONDON).date()
    as_of = min(now, term.ends_at)
    if as_of > term.starts_at:
        complaints = complaints_report(term, now, sections=REPORT_SECTIONS)
        feedback = feedback_received(term, now)
    else:
        complaints = ComplaintsReport(
            period=term,
            as_of=as_of,
            outcomes={stage: [] for stage in STAGES},
            timescales={stage: StageTimescales(stage) for stage in STAGES},
            extensions={stage: 0 for stage in STAGES},
        )
        feedback = FeedbackReceived(kinds=[], categories=[], total=0)
    satisfaction = satisfaction_results(term, now)
    entries = _entries(term)
    evidence = evidence_of(entries)
    open_now, upcoming = _consultations(today)
    plan = published_plan()
    return TermlyFigures(
        term=term,
        today=today,
        update=update,
        complaints=complaints,
        feedback=feedback,
        entries=[(entry, evidence.get(entry.id, NONE)) for entry in entries],
        open_consultations=open_now,
        upcoming_consultations=upcoming,
        satisfaction=satisfaction,
        plan=plan,
        behind=behind_schedule(plan, today),
        opportunities=take_part.upcoming(today),
    )


# --- writing ---------------------------------------------------------------------------------


def _clean(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _row_for(term: Term) -> tuple[TermlyUpdate, bool]:
    """The term's update, made if there is none yet, and locked until the caller commits; and
    whether it was made now. Two managers starting the same term at once get the same row: the
    unique term decides, never a count."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    made = db.session.execute(
        insert(TermlyUpdate)
        .values(term=term.slug, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["term"])
        .returning(TermlyUpdate.id)
    ).first()
    update = db.session.scalar(
        sa.select(TermlyUpdate)
        .where(TermlyUpdate.term == term.slug)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return update, made is not None


def _missing(values: dict[str, str | None]) -> None:
    if not values["introduction"]:
        raise UpdateError("Enter an introduction", "introduction")
    if not values["priorities"]:
        raise UpdateError("Enter the priorities for next term", "priorities")


def save(
    actor: User, term: Term, *, introduction: str | None, priorities: str | None, note: str | None = None
) -> tuple[TermlyUpdate, bool]:
    """Save what managers wrote for the term: a draft, or a correction to the published update.
    A correction must still say both things and say what it changes (``note``); it is
    published at once as the update's next version, with the figures counted again now.
    Returns the update and whether anything changed."""
    update, created = _row_for(term)
    values = {"introduction": _clean(introduction), "priorities": _clean(priorities)}
    if update.published_at is not None:
        return update, _correct(actor, term, update, values, _clean(note))
    changed = _apply(update, values)
    if changed:
        update.updated_at = utcnow()
        db.session.flush()
    if changed or created:
        audit.record(actor, "termly_update.saved", update, term=term.slug, fields=changed)
    return update, bool(changed)


def _apply(update: TermlyUpdate, values: dict[str, str | None]) -> list[str]:
    """Write the values that differ; returns the names of the fields changed."""
    changed = sorted(name for name in TEXT_FIELDS if getattr(update, name) != values[name])
    for name in changed:
        setattr(update, name, values[name])
    return changed


def _correct(actor: User, term: Term, update: TermlyUpdate, values: dict[str, str | None], note: str | None) -> bool:
    _missing(values)
    if not note:
        raise UpdateError("Enter what this correction changes", "note")
    changed = _apply(update, values)
    now = utcnow()
    update.updated_at = now
    db.session.flush()
    version = freeze(actor, term, update, now=now, note=note)
    audit.record(actor, "termly_update.corrected", update, term=term.slug, fields=changed, version=version.version)
    return True


def publish(actor: User, term: Term, today: date, *, introduction: str | None, priorities: str | None) -> TermlyUpdate:
    """Save what was written and publish the update at /updates/<term>, frozen as its first
    version. It needs both an introduction and the priorities, and a term that has started.
    Only one of two managers publishing at once succeeds (the UPDATE's condition decides); the
    other gets UpdateError."""
    if today < term.starts_on:
        raise UpdateError(
            f"You can publish the update for the {term.label.lower()} once the term has started, "
            f"on {format_day(term.starts_on)}"
        )
    _missing({"introduction": _clean(introduction), "priorities": _clean(priorities)})
    update, _ = save(actor, term, introduction=introduction, priorities=priorities)
    now = utcnow()
    published = db.session.execute(
        sa.update(TermlyUpdate)
        .where(TermlyUpdate.id == update.id, TermlyUpdate.published_at.is_(None))
        .values(published_at=now, published_by_id=actor.id, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if published != 1:
        raise AlreadyPublished("This update is already published")
    db.session.refresh(update)
    freeze(actor, term, update, now=now)
    audit.record(actor, "termly_update.published", update, term=term.slug)
    return update


# --- frozen versions -------------------------------------------------------------------------


def freeze(
    actor: User | None, term: Term, update: TermlyUpdate, *, now: datetime, note: str | None = None
) -> PublishedDocument:
    """Store the update as it stands at ``now`` as its next version: the figures counted now,
    the page's content as HTML and its PDF, drawn from the same content."""
    figures = assemble(term, now=now, update=update)
    draft = documents.Draft(
        kind=documents.TERMLY_UPDATE,
        period=term.slug,
        version=documents.next_version(documents.TERMLY_UPDATE, term.slug),
        title=f"Termly update: {term.label}",
        published_at=now,
        note=note,
    )
    content = render_content(figures)
    return documents.freeze(actor, draft, content_html=content, render_pdf=_pdf_renderer(term))


def render_content(figures: TermlyFigures) -> str:
    """The update's content partial as HTML: what a version stores, and a preview shows."""
    return render_document(
        "reports_updates/_document.html",
        figures=figures,
        consultation_url=consultation_url,
        closing_words=closing_words,
    )


def _pdf_renderer(term: Term):
    def render(draft: documents.Draft, content_html: str) -> bytes:
        address = public_url("reports_updates.update", term=term.slug)
        return print_pdf("reports_updates/print.html", draft=draft, content=content_html, term=term, address=address)

    return render


def frozen_versions(term: Term) -> tuple[list[PublishedDocument], bool]:
    """The update's versions, newest first (none if it is not published), and whether one was
    frozen just now: an update published before versions were kept is frozen as it stands, on
    its first reading, as version 1 (the caller commits it)."""
    history = documents.versions(documents.TERMLY_UPDATE, term.slug)
    if history:
        return history, False
    update = published_update(term)
    if update is None:
        return [], False
    publisher = db.session.get(User, update.published_by_id) if update.published_by_id else None
    freeze(publisher, term, update, now=update.published_at)
    return documents.versions(documents.TERMLY_UPDATE, term.slug), True


def render_preview_pdf(term: Term, update: TermlyUpdate | None, now: datetime | None = None) -> bytes:
    """A manager's preview of the PDF, drawn from the live figures; never stored."""
    content = render_content(assemble(term, now=now, update=update))
    return print_pdf("reports_updates/print.html", draft=None, content=content, term=term)


def pdf_filename(term: Term, version: int | None = None) -> str:
    suffix = f"-version-{version}" if version else ""
    return f"termly-update-{term.slug}{suffix}.pdf"
