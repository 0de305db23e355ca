"""A version for each family's case page, so the page can be kept once rendered
(portal.core.kept_pages) and rendered afresh as soon as anything it shows has changed.

After every flush, each case whose row, or a row naming it (``case_id``: messages, files,
adjustments, outcomes, deadline changes...), was added, changed or deleted gets a new version,
in the same transaction: a family who has just replied is never shown the page from before.
A bulk statement on such a table gives every case a new version. Tables the page never shows
are left out, so that opening the page (which notes the visit) does not itself change it.
"""

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from portal.core.dialects import insert_for
from portal.core.session_events import listen_once
from portal.feedback.models import Case, CasePageVersion

# Rows that name a case but that its page never shows.
NOT_SHOWN = frozenset(
    {
        "access_record",
        "audit_event",
        "case_access_code",
        "case_access_grant",
        "case_access_token",
        "case_page_version",
        "feedback_draft",
        "figures_change",
        "kept_form",
        "outbox_message",
        "reminder_sent",
    }
)
EVERY_CASE = "page_versions_every_case"


def version_of(case: Case) -> str:
    """The case page's version now: read with the case where it was undeferred
    (``services.find_case(reference, with_page_version=True)``), or one small query."""
    return case.page_version or ""


def _shown(obj) -> bool:
    table = getattr(obj, "__table__", None)
    return table is not None and table.name not in NOT_SHOWN


def _cases_named(obj) -> set[int]:
    if isinstance(obj, Case):
        return {obj.id} if obj.id is not None else set()
    if "case_id" not in getattr(obj, "__table__", sa.table("none")).c:
        return set()
    history = sa.inspect(obj).attrs.case_id.history
    return {case_id for case_id in (*history.unchanged, *history.added, *history.deleted) if case_id is not None}


def note_flushed(session: Session, _flush_context) -> None:
    changed = [obj for obj in session.dirty if _shown(obj) and session.is_modified(obj)]
    touched = set()
    for obj in (*session.new, *changed, *session.deleted):
        if _shown(obj):
            touched |= _cases_named(obj)
    if touched:
        _new_versions(session.connection(), touched)


def note_bulk(execute_state) -> None:
    if not (execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(execute_state.statement, "table", None)
    if table is None or getattr(table, "name", "") in NOT_SHOWN:
        return
    if table.name == Case.__tablename__ or "case_id" in table.c:
        execute_state.session.info[EVERY_CASE] = True


def before_commit(session: Session) -> None:
    if session.info.pop(EVERY_CASE, False):
        session.connection().execute(sa.update(CasePageVersion).values(version=secrets.token_hex(16)))


def _new_versions(connection, case_ids: set[int]) -> None:
    version = secrets.token_hex(16)
    statement = insert_for(connection)(CasePageVersion).values(
        [{"case_id": case_id, "version": version} for case_id in case_ids]
    )
    connection.execute(
        statement.on_conflict_do_update(index_elements=["case_id"], set_={"version": statement.excluded.version})
    )


def _forget(session: Session) -> None:
    session.info.pop(EVERY_CASE, None)


def listen() -> None:
    listen_once(
        {
            "after_flush": note_flushed,
            "do_orm_execute": note_bulk,
            "before_commit": before_commit,
            "after_rollback": _forget,
        }
    )
