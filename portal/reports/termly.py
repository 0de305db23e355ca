"""The termly update at /updates/<term>: an honest account of one school term, assembled from
the data, with what managers write around it.

From the data (counts only, never what a family wrote or who they are):
- feedback of every kind received in the term, by kind and by category;
- the share of complaints acknowledged and answered within the Code's timescales, stage by stage;
- the outcomes of the responses sent in the term;
- the term's published You Said, We Did entries, with their evidence counts;
- the consultations open now and coming up.
From managers: an introduction and the priorities for next term.

Every figure is counted in SQL over the whole term by portal.reports.complaints, the same
queries as the annual complaints report, so the page costs a fixed number of queries however
many cases there are. A term is counted to its end, or to now while it is going on.

An update is a draft until a manager publishes it; only then do /updates/<term> and its PDF
exist. A published update can still be corrected, and then says when it was updated. The
functions here take what they need, record audit events, and leave the commit to the caller.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager

from portal.accounts.models import User
from portal.consultations.models import OPEN, UPCOMING, Consultation
from portal.core import audit, pdf
from portal.core.complaint_code import ACKNOWLEDGE_DAYS, RESPOND_DAYS, STAGE_1, STAGE_2, STAGE_LABELS, STAGES
from portal.core.links import public_url
from portal.core.rules import RuleError
from portal.core.terms import Term, parse_term, term_of
from portal.core.time import LONDON, format_date, format_day, utcnow
from portal.extensions import db
from portal.reports.complaints import (
    KINDS,
    ComplaintsReport,
    FeedbackReceived,
    StageTimescales,
    complaints_report,
    feedback_received,
)
from portal.reports.models import TermlyUpdate
from portal.themes.models import LearningTheme
from portal.yousaid.evidence import NONE, Evidence, evidence_of, evidence_sentence
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
    def corrected_at(self) -> datetime | None:
        """When a published update was last changed, if it was changed after publishing."""
        return self.update.updated_at if was_corrected(self.update) else None

    @property
    def timescales(self) -> list[StageTimescales]:
        return [self.complaints.timescales[stage] for stage in STAGES]

    def outcomes(self, stage: int):
        return self.complaints.outcomes[stage]

    def outcomes_total(self, stage: int) -> int:
        return self.complaints.outcomes_total(stage)


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
    while it is going on). ``update`` is what managers wrote, if anything. At most ten queries,
    however many cases, entries or consultations there are; a term not yet started has no
    figures and costs no query for them."""
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
    entries = _entries(term)
    evidence = evidence_of(entries)
    open_now, upcoming = _consultations(today)
    return TermlyFigures(
        term=term,
        today=today,
        update=update,
        complaints=complaints,
        feedback=feedback,
        entries=[(entry, evidence.get(entry.id, NONE)) for entry in entries],
        open_consultations=open_now,
        upcoming_consultations=upcoming,
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


def save(actor: User, term: Term, *, introduction: str | None, priorities: str | None) -> tuple[TermlyUpdate, bool]:
    """Save what managers wrote for the term: a draft, or a correction to the published update
    (which must still say both things). Returns the update and whether anything changed."""
    update, created = _row_for(term)
    values = {"introduction": _clean(introduction), "priorities": _clean(priorities)}
    if update.published_at is not None:
        _missing(values)
    changed = sorted(name for name in TEXT_FIELDS if getattr(update, name) != values[name])
    for name in changed:
        setattr(update, name, values[name])
    if changed:
        update.updated_at = utcnow()
        db.session.flush()
        if update.published_at is not None:
            audit.record(actor, "termly_update.corrected", update, term=term.slug, fields=changed)
        else:
            audit.record(actor, "termly_update.saved", update, term=term.slug, fields=changed)
    elif created:
        audit.record(actor, "termly_update.saved", update, term=term.slug, fields=[])
    return update, bool(changed)


def publish(actor: User, term: Term, today: date, *, introduction: str | None, priorities: str | None) -> TermlyUpdate:
    """Save what was written and publish the update at /updates/<term>. It needs both an
    introduction and the priorities, and a term that has started. Only one of two managers
    publishing at once succeeds (the UPDATE's condition decides); the other gets UpdateError."""
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
    audit.record(actor, "termly_update.published", update, term=term.slug)
    return update


# --- the PDF ---------------------------------------------------------------------------------


def _share(part: int, whole: int, pct: int | None, nothing: str = "None sent") -> str:
    return f"{part} of {whole} ({pct}%)" if whole else nothing


def paragraphs(text: str | None) -> list[str]:
    """A manager's text as paragraphs, split at blank lines (single line breaks are kept)."""
    parts = _BLANK_LINE.split((text or "").replace("\r\n", "\n").replace("\r", "\n"))
    return [part.strip() for part in parts if part.strip()]


def _lines(text: str) -> list[tuple[str, str]]:
    return [("p", paragraph) for paragraph in paragraphs(text)]


def pdf_blocks(figures: TermlyFigures, *, council_name: str, consultation_url) -> list[tuple]:
    """The update as blocks for pdf.build_pdf: the same sections and numbers as the page.
    ``consultation_url(consultation)`` gives a consultation's public address."""
    blocks: list[tuple] = []
    _pdf_opening(blocks, figures, council_name)
    _pdf_feedback(blocks, figures)
    _pdf_complaints(blocks, figures)
    _pdf_you_said_we_did(blocks, figures)
    _pdf_have_your_say(blocks, figures, consultation_url)
    blocks.append(("h2", f"Our priorities for next term ({figures.next_term.label})"))
    blocks += _lines(figures.priorities) or [("p", "Not written yet.")]
    return blocks


def _pdf_opening(blocks: list[tuple], figures: TermlyFigures, council_name: str) -> None:
    term = figures.term
    blocks.append(("h1", f"Termly update: {term.label}"))
    blocks.append(("p", council_name))
    if not figures.published_at:
        blocks.append(("p", "Draft: this update is not published yet."))
    else:
        line = f"Published on {format_date(figures.published_at)}."
        if figures.corrected_at:
            line += f" Updated on {format_date(figures.corrected_at)}."
        line += f" Online at {public_url('reports_updates.update', term=term.slug)}"
        blocks.append(("p", line))
    blocks += _lines(figures.introduction)
    period = f"{format_day(term.starts_on)} to {format_day(figures.as_of_day)}"
    if not figures.started:
        blocks.append(("p", f"The term starts on {format_day(term.starts_on)}: there are no figures for it yet."))
    elif figures.complete:
        blocks.append(("p", f"The figures cover the whole term, {period}."))
    else:
        blocks.append(("p", f"The term is not over yet. The figures run from {period} and will change."))


def _pdf_feedback(blocks: list[tuple], figures: TermlyFigures) -> None:
    feedback = figures.feedback
    blocks.append(("h2", "Feedback received"))
    blocks.append(
        ("p", f"{feedback.total} {'piece' if feedback.total == 1 else 'pieces'} of feedback received in the term.")
    )
    blocks.append(
        (
            "table",
            "Feedback received, by type",
            ["Type", "Received"],
            [[figure.label, _with_share(figure)] for figure in feedback.kinds],
        )
    )
    if feedback.categories:
        header = ["Category", *KINDS.values(), "Total"]
        rows = [[c.name, *c.in_order, c.total] for c in feedback.categories]
        rows.append(["Total", *(figure.value for figure in feedback.kinds), feedback.total])
        blocks.append(("table", "Feedback received, by category and type", header, rows))


def _pdf_complaints(blocks: list[tuple], figures: TermlyFigures) -> None:
    blocks.append(("h2", "Complaints: how quickly we responded"))
    blocks.append(("p", _code_limits()))
    for times in figures.timescales:
        blocks.append(
            (
                "table",
                f"{STAGE_LABELS[times.stage]} timescales",
                ["Measure", "Complaints"],
                _timescale_rows(figures, times),
            )
        )

    blocks.append(("h2", "Outcomes"))
    for stage in STAGES:
        total = figures.outcomes_total(stage)
        rows = [
            [figure.label, f"{figure.value} ({figure.share}%)" if total else figure.value]
            for figure in figures.outcomes(stage)
        ]
        blocks.append(
            (
                "table",
                f"{STAGE_LABELS[stage]} outcomes ({total} {'response' if total == 1 else 'responses'})",
                ["Finding", "Responses"],
                rows,
            )
        )


def _code_limits() -> str:
    """The Code's limits in a sentence, for the PDF (the page lists them: partials/_how_we_count.html)."""
    first, second = ACKNOWLEDGE_DAYS[STAGE_1], ACKNOWLEDGE_DAYS[STAGE_2]
    if first == second:
        acknowledge = f"acknowledge within {first} working days at each stage"
    else:
        acknowledge = f"acknowledge within {first} working days at stage 1 and {second} at stage 2"
    return (
        f"The Code sets these limits: {acknowledge}; respond within {RESPOND_DAYS[STAGE_1]} working days of "
        f"acknowledging at stage 1 and {RESPOND_DAYS[STAGE_2]} at stage 2, or by an extended deadline."
    )


def _pdf_you_said_we_did(blocks: list[tuple], figures: TermlyFigures) -> None:
    blocks.append(("h2", "You said, we did"))
    if not figures.entries:
        blocks.append(("p", "No You Said, We Did entries have been published for this term yet."))
    for entry, evidence in figures.entries:
        blocks.append(("h3", entry.title))
        blocks.append(("p", f"Theme: {entry.theme.name}. Status: {entry.status_label}. Owner: {entry.action_owner}."))
        blocks.append(("p", f"You said: {entry.you_said}"))
        blocks.append(("p", evidence_sentence(evidence)))
        blocks.append(("p", f"We did: {entry.we_did}"))
        blocks.append(("p", public_url("yousaid.entry", entry_id=entry.id)))


def _pdf_have_your_say(blocks: list[tuple], figures: TermlyFigures, consultation_url) -> None:
    blocks.append(("h2", "Have your say"))
    blocks.append(("h3", "Consultations open now"))
    if not figures.open_consultations:
        blocks.append(("p", "No consultations are open today."))
    for consultation in figures.open_consultations:
        blocks.append(
            (
                "p",
                f"{consultation.title}. Closes on {format_day(consultation.closes_on)}. "
                f"For: {consultation.audience_label}. {consultation_url(consultation)}",
            )
        )
    blocks.append(("h3", "Consultations coming up"))
    if not figures.upcoming_consultations:
        blocks.append(("p", "No consultations are planned yet."))
    for consultation in figures.upcoming_consultations:
        blocks.append(
            (
                "p",
                f"{consultation.title}. Opens on {format_day(consultation.opens_on)}. "
                f"For: {consultation.audience_label}. {consultation_url(consultation)}",
            )
        )


def _with_share(figure) -> str:
    return f"{figure.value} ({figure.share}%)" if figure.share is not None else str(figure.value)


def _timescale_rows(figures: TermlyFigures, times: StageTimescales) -> list[list]:
    day = format_day(figures.as_of_day)
    return [
        ["Acknowledgements sent", times.acknowledged],
        [
            f"Acknowledged within {ACKNOWLEDGE_DAYS[times.stage]} working days",
            _share(
                times.acknowledged_on_time,
                times.acknowledged - times.acknowledged_no_deadline,
                times.acknowledged_on_time_percent,
            ),
        ],
        ["Responses sent", times.responded],
        [
            "Responded to by the deadline that applied",
            _share(
                times.responded_on_time, times.responded - times.responded_no_deadline, times.responded_on_time_percent
            ),
        ],
        ["Responses sent after an extension", times.responded_after_extension],
        [f"Waiting past the deadline for an acknowledgement on {day}", times.waiting_acknowledgement_overdue],
        [f"Waiting past the deadline for a response on {day}", times.waiting_response_overdue],
    ]


def render_pdf(figures: TermlyFigures, *, council_name: str, service_name: str, consultation_url) -> bytes:
    blocks = pdf_blocks(figures, council_name=council_name, consultation_url=consultation_url)
    return pdf.build_pdf(f"Termly update: {figures.term.label}", f"{service_name} - {figures.term.label}", blocks)


def pdf_filename(term: Term) -> str:
    return f"termly-update-{term.slug}.pdf"
