"""Writing, publishing and updating You Said, We Did entries, and telling the families who
asked when one they gave evidence for is published or moves on.

Plain functions: each takes what it needs, records what happened in the audit log (ids only),
and leaves the commit to the caller. An entry is a draft until it is published; after that
every change of the action's status is kept as a dated YouSaidChange, which the public sees.
"""

import re
from urllib.parse import quote, urljoin

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import contains_eager, selectinload
from werkzeug.routing import BuildError

from portal.accounts.models import User
from portal.consultations.models import Consultation, Response
from portal.core import audit, links
from portal.core.rules import RuleError
from portal.core.terms import parse_term
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.feedback.models import Case
from portal.notifications.services import queue_email
from portal.themes.models import LearningTheme
from portal.yousaid.models import (
    DONE,
    STATUS_LABELS,
    UpdateNotice,
    YouSaidChange,
    YouSaidEntry,
    entry_case,
    entry_consultation,
)

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "you_said.created": "You Said, We Did entry written",
    "you_said.changed": "You Said, We Did entry changed",
    "you_said.published": "You Said, We Did entry published",
    "you_said.status_changed": "Action status changed",
    "you_said.evidence_changed": "Evidence links changed",
}

# The most cases one entry can name as evidence, so that the form stays usable.
MAX_CASES = 200

# Fields a manager writes (the status is set by change_status once the entry is published).
CONTENT_FIELDS = (
    "term",
    "theme_id",
    "title",
    "you_said",
    "we_did",
    "action_owner",
    "action_starts_on",
    "action_due_on",
    "action_done_on",
)


class EntryError(RuleError):
    """A change the rules do not allow, in words for the manager; ``field`` names the form field."""


def term_label(slug: str) -> str:
    term = parse_term(slug)
    return term.label if term else slug


def public_url(entry: YouSaidEntry, external: bool = True) -> str:
    if external:
        return links.public_url("yousaid.entry", entry_id=entry.id)
    return url_for("yousaid.entry", entry_id=entry.id)


def consultation_url(consultation, external: bool = False) -> str:
    """The public page of a consultation: /consultations/<slug>, on the public address when
    ``external``."""
    build = links.public_url if external else url_for
    try:
        return build("consultations.consultation", slug=consultation.slug)
    except BuildError:  # the board names its page differently: the address is still /consultations/<slug>
        return urljoin(build("pages.start"), f"consultations/{quote(consultation.slug)}")


# --- writing -------------------------------------------------------------------------------


def _check(values: dict) -> None:
    if parse_term(values.get("term")) is None:
        raise EntryError("Select the term", "term")
    starts, due = values.get("action_starts_on"), values.get("action_due_on")
    if starts and due and due < starts:
        raise EntryError("The date it is due must be the same as or after the date it starts", "action_due_on")
    if values.get("action_status") not in (None, *STATUS_LABELS):
        raise EntryError("Select the status of the action", "action_status")


def create_entry(actor: User, *, action_status: str, **values) -> YouSaidEntry:
    """A new draft: nobody outside the team sees it until it is published."""
    _check(values | {"action_status": action_status})
    entry = YouSaidEntry(
        created_by_id=actor.id, action_status=action_status, **{k: values.get(k) for k in CONTENT_FIELDS}
    )
    if action_status == DONE and entry.action_done_on is None:
        entry.action_done_on = london_today()
    db.session.add(entry)
    db.session.flush()
    audit.record(actor, "you_said.created", entry, term=entry.term, theme_id=entry.theme_id)
    return entry


def update_entry(actor: User, entry: YouSaidEntry, *, action_status: str | None = None, **values) -> bool:
    """Change what the entry says. A draft's status may change here too; once published, its
    status only changes through change_status, which keeps the dated history. Returns whether
    anything changed."""
    if entry.is_published and action_status not in (None, entry.action_status):
        raise EntryError("Change the status of a published entry from its status page", "action_status")
    _check(values | {"action_status": action_status})
    changed = sorted(name for name in CONTENT_FIELDS if name in values and getattr(entry, name) != values[name])
    for name in changed:
        setattr(entry, name, values[name])
    if action_status is not None and action_status != entry.action_status:
        entry.action_status = action_status
        changed.append("action_status")
        if action_status == DONE and entry.action_done_on is None:
            entry.action_done_on = london_today()
    if changed:
        audit.record(actor, "you_said.changed", entry, fields=changed, published=entry.is_published)
    return bool(changed)


def publish(actor: User, entry: YouSaidEntry) -> YouSaidChange:
    """Show the entry to the public, and start its dated history. Only one of two managers
    publishing at once succeeds (the UPDATE's condition decides); the other gets EntryError."""
    now = utcnow()
    published = db.session.execute(
        sa.update(YouSaidEntry)
        .where(YouSaidEntry.id == entry.id, YouSaidEntry.published_at.is_(None))
        .values(published_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if published != 1:
        raise EntryError("This entry is already published")
    db.session.refresh(entry)
    change = YouSaidChange(kind=YouSaidChange.PUBLISHED, status=entry.action_status, occurred_at=now)
    entry.changes.append(change)
    db.session.flush()
    audit.record(actor, "you_said.published", entry, change_id=change.id)
    return change


def change_status(actor: User, entry: YouSaidEntry, status: str, note: str | None = None) -> YouSaidChange | None:
    """Move the action on (planned, in progress, done). On a published entry the change joins
    its public history with the note, if any. Returns the change recorded, or None when the
    status is the one it already had (or the entry is still a draft)."""
    if status not in STATUS_LABELS:
        raise EntryError("Select the status of the action", "status")
    # Two managers saving at once: the second waits, then sees the first one's status.
    db.session.refresh(entry, with_for_update=True)
    if status == entry.action_status:
        return None
    old = entry.action_status
    entry.action_status = status
    if status == DONE and entry.action_done_on is None:
        entry.action_done_on = london_today()
    elif status != DONE:
        entry.action_done_on = None
    change = None
    if entry.is_published:
        change = YouSaidChange(
            kind=YouSaidChange.STATUS, status=status, note=(note or "").strip() or None, occurred_at=utcnow()
        )
        entry.changes.append(change)
        db.session.flush()
    audit.record(
        actor,
        "you_said.status_changed",
        entry,
        old=STATUS_LABELS[old],
        new=STATUS_LABELS[status],
        change_id=change.id if change else None,
    )
    return change


# --- evidence links ------------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,;]+")


def parse_references(text: str | None) -> list[str]:
    """Case references as a manager typed or pasted them: one per line, or separated by commas
    or spaces; in capitals, each once, in the order given."""
    seen: dict[str, None] = {}
    for part in _SEPARATORS.split((text or "").upper()):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def linkable_consultations() -> list[Consultation]:
    """Consultations an entry can point to: the published ones, newest first."""
    return db.session.scalars(
        sa.select(Consultation)
        .where(Consultation.published_at.is_not(None))
        .order_by(Consultation.opens_on.desc(), Consultation.title)
    ).all()


def set_evidence(actor: User, entry: YouSaidEntry, *, consultation_ids: list[int], references: list[str]) -> bool:
    """Point the entry at these published consultations and these cases (by reference).

    Every reference must name a case; the first that does not is reported and nothing changes.
    Returns whether the links changed."""
    if len(references) > MAX_CASES:
        raise EntryError(f"Link at most {MAX_CASES} cases to one entry", "cases")
    consultations = []
    if consultation_ids:
        consultations = db.session.scalars(
            sa.select(Consultation).where(Consultation.id.in_(consultation_ids), Consultation.published_at.is_not(None))
        ).all()
        if len(consultations) != len(set(consultation_ids)):
            raise EntryError("Select only consultations from the list", "consultations")
    cases = []
    if references:
        found = {
            case.reference: case for case in db.session.scalars(sa.select(Case).where(Case.reference.in_(references)))
        }
        missing = [reference for reference in references if reference not in found]
        if missing:
            names = ", ".join(missing[:5]) + (" and others" if len(missing) > 5 else "")
            raise EntryError(
                f"There is no case with the reference {names}. Check the reference, like CAN-2026-00042"
                if len(missing) == 1
                else f"There are no cases with the references {names}. Check each reference, like CAN-2026-00042",
                "cases",
            )
        cases = [found[reference] for reference in references]

    old_consultations = {c.id for c in entry.consultations}
    old_cases = {c.id for c in entry.cases}
    new_consultations = {c.id for c in consultations}
    new_cases = {c.id for c in cases}
    if old_consultations == new_consultations and old_cases == new_cases:
        return False
    entry.consultations = sorted(consultations, key=lambda c: c.title)
    entry.cases = cases
    audit.record(
        actor,
        "you_said.evidence_changed",
        entry,
        consultations_added=sorted(new_consultations - old_consultations),
        consultations_removed=sorted(old_consultations - new_consultations),
        cases_added=sorted(new_cases - old_cases),
        cases_removed=sorted(old_cases - new_cases),
    )
    return True


def linked_cases(entry: YouSaidEntry) -> list[Case]:
    """The cases an entry names, for the managers' page: oldest first."""
    return db.session.scalars(
        sa.select(Case)
        .join(entry_case, entry_case.c.case_id == Case.id)
        .where(entry_case.c.entry_id == entry.id)
        .order_by(Case.received_at, Case.id)
    ).all()


def linked_case_counts(entry_ids: list[int]) -> dict[int, int]:
    """How many cases each entry names as evidence: one query. Only the number is ever public."""
    if not entry_ids:
        return {}
    rows = db.session.execute(
        sa.select(entry_case.c.entry_id, sa.func.count())
        .where(entry_case.c.entry_id.in_(entry_ids))
        .group_by(entry_case.c.entry_id)
    )
    return dict(rows.all())


# --- telling the families who asked -----------------------------------------------------------


def recipients(entry: YouSaidEntry) -> list[str]:
    """Addresses of the families who asked to hear about changes this entry's evidence led to:
    those whose case is linked, and those who answered a linked consultation, in two queries.
    Each address once, in lower case."""
    case_rows = db.session.scalars(
        sa.select(sa.func.coalesce(Case.contact_email, User.email))
        .select_from(entry_case)
        .join(Case, Case.id == entry_case.c.case_id)
        .outerjoin(User, sa.and_(User.id == Case.user_id, User.disabled_at.is_(None)))
        .where(entry_case.c.entry_id == entry.id, Case.wants_learning_updates.is_(True))
    ).all()
    response_rows = db.session.scalars(
        sa.select(User.email)
        .select_from(entry_consultation)
        .join(Response, Response.consultation_id == entry_consultation.c.consultation_id)
        .join(User, User.id == Response.author_id)
        .where(
            entry_consultation.c.entry_id == entry.id,
            Response.wants_learning_updates.is_(True),
            Response.submitted_at.is_not(None),
            User.disabled_at.is_(None),
        )
    ).all()
    found: dict[str, None] = {}
    for email in [*case_rows, *response_rows]:
        if email and email.strip():
            found.setdefault(email.strip().lower(), None)
    return sorted(found)


def _claim(change: YouSaidChange, email: str) -> bool:
    """Record that this address is told about this change; False if it was already (by this
    run or another at the same time: the unique constraint decides, never a count)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    claimed = db.session.execute(
        insert(UpdateNotice)
        .values(change_id=change.id, email=email, sent_at=utcnow())
        .on_conflict_do_nothing()
        .returning(UpdateNotice.id)
    ).first()
    return claimed is not None


def notify(change: YouSaidChange) -> int:
    """Email every family who asked, once per address for this change. Safe to run again:
    nobody is told twice. Returns how many emails were queued."""
    entry = change.entry
    if not entry.is_published:
        return 0
    if change.id is None:
        db.session.flush()
    link = public_url(entry)
    if change.kind == YouSaidChange.PUBLISHED:
        subject, template = f"You said, we did: {entry.title}", "you_said_published"
    else:
        subject, template = (
            f"You said, we did: {entry.title} is now {STATUS_LABELS[change.status].lower()}",
            "you_said_status",
        )
    sent = 0
    for email in recipients(entry):
        if _claim(change, email):
            queue_email(
                email,
                subject,
                template,
                entry=entry,
                change=change,
                status=STATUS_LABELS[change.status],
                term=term_label(entry.term),
                link=link,
            )
            sent += 1
    return sent


# --- reading, for the pages ------------------------------------------------------------------


def published_entries_citing(consultation_id: int) -> list[YouSaidEntry]:
    """Published entries that give this consultation as evidence, newest first."""
    return db.session.scalars(
        db.select(YouSaidEntry)
        .join(entry_consultation, entry_consultation.c.entry_id == YouSaidEntry.id)
        .where(entry_consultation.c.consultation_id == consultation_id, YouSaidEntry.published_at.is_not(None))
        .order_by(YouSaidEntry.published_at.desc())
    ).all()


def published_entries(*, with_consultations: bool = False) -> list[YouSaidEntry]:
    """Every published entry with its theme, newest term first, then by theme and newest
    published first: one query (and one more for the linked consultations, if asked)."""
    query = (
        sa.select(YouSaidEntry)
        .join(LearningTheme, LearningTheme.id == YouSaidEntry.theme_id)
        .options(contains_eager(YouSaidEntry.theme))
        .where(YouSaidEntry.published_at.is_not(None))
        .order_by(YouSaidEntry.published_at.desc(), YouSaidEntry.id.desc())
    )
    if with_consultations:
        query = query.options(selectinload(YouSaidEntry.consultations))
    return sort_by_term(db.session.scalars(query).unique().all())


def all_entries() -> list[YouSaidEntry]:
    """Drafts and published entries, for managers: one query."""
    entries = db.session.scalars(
        sa.select(YouSaidEntry)
        .join(LearningTheme, LearningTheme.id == YouSaidEntry.theme_id)
        .options(contains_eager(YouSaidEntry.theme))
        .order_by(YouSaidEntry.updated_at.desc(), YouSaidEntry.id.desc())
    ).all()
    return sort_by_term(entries)


def sort_by_term(entries: list[YouSaidEntry]) -> list[YouSaidEntry]:
    """Newest term first, then by theme name; otherwise in the order given (a stable sort)."""

    def term_key(entry):
        term = parse_term(entry.term)
        return (term.year, term.index) if term else (0, 0)

    by_theme = sorted(entries, key=lambda entry: entry.theme.name.casefold())
    return sorted(by_theme, key=term_key, reverse=True)


def group_by_term(entries: list[YouSaidEntry]) -> list[tuple[str, list[YouSaidEntry]]]:
    """[(term slug, entries)] keeping the order of ``entries`` (already sorted by term)."""
    groups: list[tuple[str, list[YouSaidEntry]]] = []
    for entry in entries:
        if not groups or groups[-1][0] != entry.term:
            groups.append((entry.term, []))
        groups[-1][1].append(entry)
    return groups


def published_entry_or_none(entry_id: int) -> YouSaidEntry | None:
    entry = db.session.get(YouSaidEntry, entry_id)
    return entry if entry is not None and entry.is_published else None


def public_consultations(entry: YouSaidEntry) -> list[Consultation]:
    """The linked consultations the public can open (a draft consultation is never shown)."""
    return [c for c in entry.consultations if c.published_at is not None]


def theme_choices(current_id: int | None = None) -> list[LearningTheme]:
    """Themes a manager can choose: those in use, and the entry's own even if retired."""
    return db.session.scalars(
        sa.select(LearningTheme)
        .where(sa.or_(LearningTheme.active.is_(True), LearningTheme.id == (current_id or -1)))
        .order_by(LearningTheme.name)
    ).all()
