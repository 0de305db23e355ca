"""Apply the retention schedule (portal.core.retention): what has had its time is anonymised
(closed cases, consultation answers) or deleted (everything else). Run daily by
``flask retention apply``; running it again changes nothing more.

One run at a time: a run holds the one ``running`` row of retention_run (a unique constraint,
so it works the same on every database and across servers); a run that died without letting
go is released after STALE_AFTER. Cases and answers go in batches of BATCH, each committed, so
a large backlog never loads at once and an interrupted run keeps what it finished.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import SignedInSession
from portal.consultations.take_part_models import Opportunity, SignUp
from portal.core import audit, retention
from portal.core.models import AuditEvent, KeptForm
from portal.core.time import LONDON, utcnow
from portal.extensions import db
from portal.feedback.models import AccessRecord, FeedbackDraft, InboundMail
from portal.feedback.services import delete_drafts
from portal.notifications.models import OutboxMessage
from portal.retention import answers, cases
from portal.retention.models import RetentionRun
from portal.yousaid.models import UpdateNotice

BATCH = 500
STALE_AFTER = timedelta(hours=6)
# How many runs the admin page lists.
RECENT_RUNS = 5

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {"retention.applied": "Retention schedule applied"}


class AlreadyRunning(Exception):
    """Another run (on this server or another) has not finished."""


@dataclass
class RunReport:
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    # The cases a dry run would anonymise, by reference.
    references: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def run(*, dry_run: bool, now: datetime | None = None) -> RunReport:
    """Apply the schedule as it stands ``now``, or with ``dry_run`` only count what would go.
    Commits as it goes; raises AlreadyRunning if another run holds the lock."""
    now = now or utcnow()
    periods = retention.schedule()
    record = _start(now, dry_run)
    report = RunReport(dry_run=dry_run)
    try:
        report.counts["closed_cases"] = _closed_cases(periods["closed_cases"].before(now), now, report)
        report.counts["consultation_answers"] = _consultation_answers(
            periods["consultation_answers"].before(now).astimezone(LONDON).date(), dry_run
        )
        for kind, (model, condition) in _deleted_kinds(periods, now).items():
            report.counts[kind] = _count(model, condition) if dry_run else _delete(model, condition)
        # Who was emailed about a You Said, We Did change is part of the record of emails sent.
        notices = UpdateNotice.sent_at < periods["outbox"].before(now)
        report.counts["outbox"] += _count(UpdateNotice, notices) if dry_run else _delete(UpdateNotice, notices)
        if not dry_run:
            db.session.commit()
    except Exception:
        db.session.rollback()
        _finish(record, counts=None)
        raise
    _finish(record, counts=report.counts)
    return report


def recent_runs() -> list[RetentionRun]:
    return db.session.scalars(
        sa.select(RetentionRun).order_by(RetentionRun.started_at.desc(), RetentionRun.id.desc()).limit(RECENT_RUNS)
    ).all()


# --- one run at a time -----------------------------------------------------------------------


def _start(now: datetime, dry_run: bool) -> RetentionRun:
    db.session.execute(
        sa.update(RetentionRun)
        .where(RetentionRun.running.is_(True), RetentionRun.started_at < now - STALE_AFTER)
        .values(running=None)
    )
    record = RetentionRun(started_at=now, dry_run=dry_run, counts={}, running=True)
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AlreadyRunning() from None
    return record


def _finish(record: RetentionRun, counts: dict[str, int] | None) -> None:
    """Let go of the lock; a run that failed keeps no finishing time, and the page says so."""
    record.running = None
    if counts is not None:
        record.counts = dict(counts)
        record.finished_at = utcnow()
        audit.record(None, "retention.applied", record, dry_run=record.dry_run, counts=dict(counts))
    db.session.commit()


# --- anonymised ------------------------------------------------------------------------------


def _closed_cases(cutoff: datetime, now: datetime, report: RunReport) -> int:
    done, after = 0, 0
    while rows := db.session.execute(cases.expired(cutoff, after).limit(BATCH)).all():
        after = rows[-1].id
        if report.dry_run:
            report.references.extend(row.reference for row in rows)
            done += len(rows)
        else:
            done += cases.anonymise([row.id for row in rows], now)
            db.session.commit()
    return done


def _consultation_answers(closed_before, dry_run: bool) -> int:
    done, after = 0, 0
    while rows := db.session.execute(answers.expired(closed_before, after).limit(BATCH)).all():
        after = rows[-1].id
        if dry_run:
            done += len(rows)
            continue
        sent = [row.id for row in rows if row.submitted_at is not None]
        drafts = [row.id for row in rows if row.submitted_at is None]
        done += answers.anonymise(sent, drafts)
        db.session.commit()
    return done


# --- deleted ---------------------------------------------------------------------------------


def _deleted_kinds(periods: dict[str, retention.Period], now: datetime) -> dict[str, tuple]:
    """For each kind that is deleted outright, its model and which of its rows have had their time."""
    cutoff = {kind: period.before(now) for kind, period in periods.items()}
    return {
        # Who took a place and what they needed to take part, once the event is long enough past.
        "opportunity_places": (
            SignUp,
            SignUp.opportunity_id.in_(
                sa.select(Opportunity.id).where(Opportunity.ends_at < cutoff["opportunity_places"])
            ),
        ),
        "feedback_drafts": (FeedbackDraft, FeedbackDraft.updated_at < cutoff["feedback_drafts"]),
        "kept_forms": (KeptForm, KeptForm.kept_at < cutoff["kept_forms"]),
        "signed_in_sessions": (
            SignedInSession,
            sa.and_(
                SignedInSession.created_at < cutoff["signed_in_sessions"],
                sa.or_(SignedInSession.revoked_at.is_not(None), SignedInSession.expires_at <= now),
            ),
        ),
        # A message still waiting to go is never taken from the queue.
        "outbox": (
            OutboxMessage,
            sa.and_(OutboxMessage.created_at < cutoff["outbox"], OutboxMessage.status != OutboxMessage.PENDING),
        ),
        "inbound_mail": (InboundMail, InboundMail.received_at < cutoff["inbound_mail"]),
        "audit_log": (AuditEvent, AuditEvent.occurred_at < cutoff["audit_log"]),
        "access_log": (AccessRecord, AccessRecord.occurred_at < cutoff["access_log"]),
    }


def _count(model, condition) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(condition))


def _delete(model, condition) -> int:
    if model is FeedbackDraft:  # with the files only a draft holds
        return delete_drafts(sa.select(FeedbackDraft.id).where(condition))
    return db.session.execute(sa.delete(model).where(condition)).rowcount
