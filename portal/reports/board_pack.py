"""The SEND Improvement Board's pack: produced by a manager for a meeting, from the improvement
plan as last published and the term's complaints and consultations, and frozen as it was
produced (portal.reports.documents), as a page and a tagged PDF. The board's decisions are
recorded against the pack it met on. The functions here record audit events and leave the
commit to the caller.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import defer

from portal.accounts.models import User
from portal.consultations.models import Consultation, Response
from portal.core import audit
from portal.core.complaint_code import STAGES
from portal.core.links import public_url
from portal.core.rules import RuleError
from portal.core.terms import Term, term_of
from portal.core.time import LONDON, format_day, utcnow
from portal.extensions import db
from portal.improvement import measure_sources
from portal.improvement.models import DONE
from portal.improvement.published import Behind, Milestone, Plan, behind_schedule, published_plan
from portal.reports import documents
from portal.reports.complaints import ComplaintsReport, complaints_report, percent
from portal.reports.models import BoardDecision, PublishedDocument
from portal.reports.printing import print_pdf, render_document

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "board_pack.produced": "Improvement board pack produced",
    "board_pack.decision_recorded": "Improvement board decision recorded",
}

KIND = documents.BOARD_PACK
CONTENT_TEMPLATE = "reports/_board_pack_document.html"
PRINT_TEMPLATE = "reports/board_pack_print.html"
# Milestones due within this long of the meeting are listed as coming up.
DUE_WITHIN = timedelta(days=92)
# The parts of the complaints report the pack quotes.
REPORT_SECTIONS = ("volumes", "timescales", "outcomes")


class BoardPackError(RuleError):
    """Why the pack cannot be produced, or a decision recorded, in words for the manager."""


@dataclass(frozen=True)
class ConsultationTurnout:
    title: str
    opens_on: date
    closes_on: date
    took_part: int


@dataclass(frozen=True)
class BoardPack:
    """What a pack shows: the plan as published, what is behind and what is due, and the
    term's complaints and consultations."""

    produced_on: date
    plan: Plan
    behind: list[Behind]
    due: list[tuple[str, Milestone]]  # (area title, milestone) due soon and not done
    term: Term
    complaints: ComplaintsReport
    consultations: list[ConsultationTurnout]

    def on_time_percent(self) -> int | None:
        """Complaint responses in the term sent by the deadline that applied, all stages."""
        return percent(*responses_on_time(self.complaints))


def responses_on_time(report: ComplaintsReport) -> tuple[int, int]:
    """(sent by the deadline that applied, sent with a deadline) over every stage."""
    times = [report.timescales[stage] for stage in STAGES]
    return sum(t.responded_on_time for t in times), sum(t.responded - t.responded_no_deadline for t in times)


def assemble(now: datetime) -> BoardPack:
    """Everything a pack produced at ``now`` shows; refused while no plan is published."""
    plan = published_plan()
    if plan is None:
        raise BoardPackError("Publish the improvement plan before producing a board pack")
    today = now.astimezone(LONDON).date()
    term = term_of(today)
    due = [
        (area.title, milestone)
        for area in plan.areas
        for milestone in area.milestones
        if milestone.status != DONE and today <= milestone.target_on <= today + DUE_WITHIN
    ]
    return BoardPack(
        produced_on=today,
        plan=plan,
        behind=behind_schedule(plan, today),
        due=sorted(due, key=lambda item: item[1].target_on),
        term=term,
        complaints=complaints_report(term, now, sections=REPORT_SECTIONS),
        consultations=_consultations_in(term),
    )


def _consultations_in(term: Term) -> list[ConsultationTurnout]:
    """Published consultations open at some time in the term, with how many people sent
    answers (online, on paper, by phone or in person): one query."""
    rows = db.session.execute(
        sa.select(
            Consultation.title,
            Consultation.opens_on,
            Consultation.closes_on,
            sa.func.count(Response.id).label("took_part"),
        )
        .outerjoin(Response, sa.and_(Response.consultation_id == Consultation.id, Response.submitted_at.is_not(None)))
        .where(
            Consultation.published_at.is_not(None),
            Consultation.opens_on <= term.ends_on,
            Consultation.closes_on >= term.starts_on,
        )
        .group_by(Consultation.id, Consultation.title, Consultation.opens_on, Consultation.closes_on)
        .order_by(Consultation.opens_on, Consultation.title)
    ).all()
    return [ConsultationTurnout(row.title, row.opens_on, row.closes_on, row.took_part) for row in rows]


def produce(actor: User, now: datetime | None = None) -> PublishedDocument:
    """Freeze a pack as things stand at ``now``: a second pack the same day is its next
    version."""
    now = now or utcnow()
    pack = assemble(now)
    period = pack.produced_on.isoformat()
    draft = documents.Draft(
        kind=KIND,
        period=period,
        version=documents.next_version(KIND, period),
        title=f"SEND Improvement Board pack: {format_day(pack.produced_on)}",
        published_at=now,
        note=None,
    )
    document = documents.freeze(
        actor, draft, content_html=render_document(CONTENT_TEMPLATE, pack=pack), render_pdf=_pdf
    )
    audit.record(actor, "board_pack.produced", document, day=period, version=draft.version)
    return document


def _pdf(draft: documents.Draft, content_html: str) -> bytes:
    return print_pdf(PRINT_TEMPLATE, draft=draft, content=content_html, address=public_url("improvement.index"))


def packs() -> list[PublishedDocument]:
    """Every pack, newest first, without their PDFs or content: one query."""
    return db.session.scalars(
        sa.select(PublishedDocument)
        .options(defer(PublishedDocument.pdf), defer(PublishedDocument.content_html))
        .where(PublishedDocument.kind == KIND)
        .order_by(PublishedDocument.published_at.desc(), PublishedDocument.id.desc())
    ).all()


def pack_or_404(document_id: int) -> PublishedDocument:
    document = db.session.scalar(
        sa.select(PublishedDocument)
        .options(defer(PublishedDocument.pdf))
        .where(PublishedDocument.id == document_id, PublishedDocument.kind == KIND)
    )
    if document is None:
        abort(404)
    return document


def pdf_of(document_id: int) -> bytes | None:
    return db.session.scalar(
        sa.select(PublishedDocument.pdf).where(PublishedDocument.id == document_id, PublishedDocument.kind == KIND)
    )


def decisions_of(document: PublishedDocument) -> list[BoardDecision]:
    """The decisions recorded against a pack, in the order they were recorded."""
    return db.session.scalars(
        sa.select(BoardDecision)
        .where(BoardDecision.document_id == document.id)
        .order_by(BoardDecision.recorded_at, BoardDecision.id)
    ).all()


def record_decision(
    actor: User, document: PublishedDocument, decision: str, *, owner: str | None, due_on: date | None
) -> BoardDecision:
    """Record what the board decided at the meeting the pack was for."""
    decision = (decision or "").strip()
    if not decision:
        raise BoardPackError("Enter what the board decided", "decision")
    row = BoardDecision(
        document_id=document.id,
        decision=decision,
        owner=(owner or "").strip() or None,
        due_on=due_on,
        recorded_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "board_pack.decision_recorded", document, decision_id=row.id)
    return row


def pdf_filename(document: PublishedDocument) -> str:
    suffix = f"-version-{document.version}" if document.version > 1 else ""
    return f"improvement-board-pack-{document.period}{suffix}.pdf"


def _complaints_on_time(term: Term) -> float | None:
    """The annual report's own count of complaint responses sent on time in the term, every
    stage included (stage 1 of an escalated complaint from its history)."""
    on_time, answered = responses_on_time(complaints_report(term, sections=("timescales",)))
    return round(100 * on_time / answered, 1) if answered else None


def register_measures() -> None:
    """Offer the improvement plan the report's count of complaints answered on time."""
    measure_sources.register_source(
        measure_sources.COMPLAINTS_ON_TIME, measure_sources.COMPLAINTS_ON_TIME_LABEL, _complaints_on_time
    )
