"""A record of who looked at what: staff opening a case or one of its action pages, downloading
one of its files or exporting it each leave exactly one record of who, when, which and what; a
family looking at their own case leaves none. Managers read a case's log, newest first, and
nobody else may; recording costs each page one INSERT and no other query."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
import time_machine

from portal.accounts import roles
from portal.accounts.models import User
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import access_records
from portal.feedback.models import AccessRecord, Attachment, FileBlob
from tests.casework_helpers import category_id, get_case, new_case, sign_in
from tests.factories import make_user
from tests.query_counts import SAVEPOINTS, count_queries
from tests.test_files import PDF

TEAM = "Travel Assist"


@pytest.fixture
def office(app):
    """A caseworker and a manager, and a case of a parent's in the caseworker's team with a
    file the family sent."""
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        caseworker = make_user(roles.CASEWORKER, team=TEAM, name="Asha Caseworker")
        manager = make_user(roles.MANAGER, name="Morgan Manager")
        parent = make_user(roles.PARENT)
        reference = new_case(category=category, caseworker=caseworker, user_id=parent.id)
        attachment = file_on(reference)
    return caseworker, manager, parent, reference, attachment


def file_on(reference: str, filename: str = "letter.pdf") -> int:
    attachment = Attachment(
        case=get_case(reference),
        blob=FileBlob(data=PDF),
        filename=filename,
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
        from_family=True,
    )
    db.session.add(attachment)
    db.session.commit()
    return attachment.id


def records(app, reference: str) -> list[AccessRecord]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(AccessRecord).where(AccessRecord.case_id == get_case(reference).id).order_by(AccessRecord.id)
        ).all()
        db.session.expunge_all()
        return found


def signed_in(app, person):
    client = app.test_client()
    sign_in(client, person)
    return client


def statements(app, client, path: str) -> list[str]:
    """The SQL statements GET ``path`` sends (which must answer 200)."""
    sent = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if not SAVEPOINTS.match(statement):
            sent.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", keep)
    try:
        assert client.get(path).status_code == 200, path
    finally:
        sa.event.remove(engine, "before_cursor_execute", keep)
    return sent


def inserts(sent: list[str]) -> list[str]:
    return [statement for statement in sent if statement.lstrip().upper().startswith("INSERT")]


# --- what is recorded ---------------------------------------------------------------------------


def test_opening_a_case_records_who_which_and_what(app, office):
    caseworker, _, _, reference, _ = office
    client = signed_in(app, caseworker)
    before = utcnow()
    assert client.get(f"/cases/{reference}").status_code == 200

    [record] = records(app, reference)
    assert (record.user_id, record.role, record.what, record.attachment_id) == (
        caseworker.id,
        roles.CASEWORKER,
        AccessRecord.VIEWED,
        None,
    )
    assert before <= record.occurred_at <= utcnow()


def test_opening_an_action_page_records_one_look_and_sending_it_none(app, office):
    caseworker, _, _, reference, _ = office
    client = signed_in(app, caseworker)
    assert client.get(f"/cases/{reference}/note").status_code == 200
    [record] = records(app, reference)
    assert (record.user_id, record.what) == (caseworker.id, AccessRecord.VIEWED)

    # The note itself is in the audit log; only the case page it leads back to is a new look.
    response = client.post(f"/cases/{reference}/note", data={"body": "Rang the family."})
    assert response.status_code == 302
    assert len(records(app, reference)) == 1


def test_downloading_a_file_records_the_file(app, office):
    _, manager, _, reference, attachment = office
    response = signed_in(app, manager).get(f"/cases/{reference}/files/{attachment}")
    assert response.data == PDF

    [record] = records(app, reference)
    assert (record.user_id, record.role, record.what, record.attachment_id) == (
        manager.id,
        roles.MANAGER,
        AccessRecord.DOWNLOADED,
        attachment,
    )


def test_an_export_records_each_case_once_in_one_insert(app, office):
    caseworker, manager, _, reference, _ = office
    with app.app_context():
        other = new_case(category=category_id("Home-to-school transport", TEAM), caseworker=caseworker)
        ids = [get_case(reference).id, get_case(other).id]
        sent = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            sent.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", keep)
        try:
            with app.test_request_context():
                access_records.record_export(db.session.get(User, manager.id), ids + ids[:1])
                db.session.commit()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert len(inserts(sent)) == 1

    for exported in (reference, other):
        [record] = records(app, exported)
        assert (record.user_id, record.role, record.what) == (manager.id, roles.MANAGER, AccessRecord.EXPORTED)


def test_a_family_looking_at_their_own_case_is_not_recorded(app, office):
    _, _, parent, reference, attachment = office
    client = signed_in(app, parent)
    assert client.get(f"/my-cases/{reference}").status_code == 200
    assert client.get(f"/my-cases/{reference}/files/{attachment}").status_code == 200
    assert client.get(f"/my-cases/{reference}/what-you-told-us").status_code == 200
    assert records(app, reference) == []


def test_a_refused_look_is_not_recorded(app, office):
    _, _, _, reference, attachment = office
    with app.app_context():
        outsider = make_user(roles.CASEWORKER, team="SENAR North")
    client = signed_in(app, outsider)
    assert client.get(f"/cases/{reference}").status_code == 404
    assert client.get(f"/cases/{reference}/files/{attachment}").status_code == 404
    assert client.get(f"/cases/{reference}/note").status_code == 404
    assert records(app, reference) == []


# --- the managers' page -------------------------------------------------------------------------


def log_rows(page: str) -> list[tuple[str, str, str]]:
    """The log's rows as (when, who, what), in the order shown."""
    body = re.search(r'<tbody class="govuk-table__body".*?</tbody>', page, re.S).group(0)
    rows = []
    for row in re.findall(r"<tr.*?</tr>", body, re.S):
        cells = [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cell)).strip() for cell in re.findall(r"<td.*?</td>", row, re.S)
        ]
        rows.append(tuple(cells))
    return rows


def test_a_manager_reads_the_log_newest_first_with_names_and_roles(app, office):
    caseworker, manager, _, reference, attachment = office
    start = utcnow()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        signed_in(app, caseworker).get(f"/cases/{reference}")
    manager_client = signed_in(app, manager)
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        manager_client.get(f"/cases/{reference}/files/{attachment}")
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        case_page = manager_client.get(f"/cases/{reference}").get_data(as_text=True)
        response = manager_client.get(f"/cases/{reference}/access-log")

    assert f'href="/cases/{reference}/access-log"' in case_page
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.search(r"<title>\s*Access log for " + reference, page)
    assert "3 records, newest first" in page
    whos_and_whats = [(who, what) for _, who, what in log_rows(page)]
    assert whos_and_whats == [
        ("Morgan Manager Manager", "Opened the case"),
        ("Morgan Manager Manager", "Downloaded a file: letter.pdf"),
        ("Asha Caseworker Caseworker", "Opened the case"),
    ]
    # Reading the log is not a look at the case.
    assert len(records(app, reference)) == 3


def test_the_log_shows_the_role_held_at_the_time(app, office):
    caseworker, manager, _, reference, _ = office
    signed_in(app, caseworker).get(f"/cases/{reference}")
    with app.app_context():
        db.session.get(User, caseworker.id).role = roles.MANAGER
        db.session.commit()
    [(_, who, _)] = log_rows(signed_in(app, manager).get(f"/cases/{reference}/access-log").get_data(as_text=True))
    assert who == "Asha Caseworker Caseworker"


def test_a_long_log_is_paged(app, office):
    caseworker, manager, _, reference, _ = office
    with app.app_context(), app.test_request_context():
        case = get_case(reference)
        person = db.session.get(User, caseworker.id)
        for _ in range(access_records.PER_PAGE + 5):
            access_records.record(person, case, AccessRecord.VIEWED)
        db.session.commit()
    client = signed_in(app, manager)
    first = client.get(f"/cases/{reference}/access-log").get_data(as_text=True)
    second = client.get(f"/cases/{reference}/access-log?page=2").get_data(as_text=True)
    assert len(log_rows(first)) == access_records.PER_PAGE
    assert len(log_rows(second)) == 5
    assert "Page 1 of 2" in first and "page=2" in first


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.ADMIN, roles.PARENT])
def test_only_managers_may_read_the_log(app, office, role):
    caseworker, _, _, reference, _ = office
    # The case's own caseworker too: the log is oversight of them.
    person = caseworker if role == roles.CASEWORKER else None
    with app.app_context():
        person = person or make_user(role)
    client = signed_in(app, person)
    assert client.get(f"/cases/{reference}/access-log").status_code == 403
    if role == roles.CASEWORKER:
        assert "/access-log" not in client.get(f"/cases/{reference}").get_data(as_text=True)


def test_a_manager_cannot_read_the_log_of_a_case_they_cannot_see(app, office):
    _, manager, _, _, _ = office
    with app.app_context():
        about_them = new_case(team=TEAM, about_staff_id=manager.id)
    assert signed_in(app, manager).get(f"/cases/{about_them}/access-log").status_code == 404


# --- for the subject access export --------------------------------------------------------------


def test_a_cases_records_in_a_plain_shape_oldest_first(app, office):
    caseworker, manager, _, reference, attachment = office
    start = utcnow()
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        signed_in(app, manager).get(f"/cases/{reference}/files/{attachment}")
    with time_machine.travel(start + timedelta(minutes=2), tick=False):
        signed_in(app, caseworker).get(f"/cases/{reference}")
    with app.app_context():
        plain = access_records.records_of(get_case(reference).id)
    assert [{key: value for key, value in row.items() if key != "at"} for row in plain] == [
        {
            "user_id": manager.id,
            "name": "Morgan Manager",
            "role": roles.MANAGER,
            "role_label": "Manager",
            "what": AccessRecord.DOWNLOADED,
            "what_label": "Downloaded a file",
            "attachment_id": attachment,
            "filename": "letter.pdf",
        },
        {
            "user_id": caseworker.id,
            "name": "Asha Caseworker",
            "role": roles.CASEWORKER,
            "role_label": "Caseworker",
            "what": AccessRecord.VIEWED,
            "what_label": "Opened the case",
            "attachment_id": None,
            "filename": None,
        },
    ]
    assert plain[0]["at"] < plain[1]["at"]


# --- what it costs ------------------------------------------------------------------------------


def test_each_look_costs_one_insert_and_the_pages_a_fixed_number_of_queries(app, office):
    caseworker, manager, _, reference, attachment = office
    client = signed_in(app, caseworker)
    client.get(f"/cases/{reference}")  # warm up
    pages = (f"/cases/{reference}", f"/cases/{reference}/note", f"/cases/{reference}/files/{attachment}")
    for path in pages:
        added = inserts(statements(app, client, path))
        assert len(added) == 1 and "access_record" in added[0], path

    few = {path: count_queries(app, client, path) for path in pages}
    log = signed_in(app, manager)
    few_log = count_queries(app, log, f"/cases/{reference}/access-log")
    # A longer log, by many people, of many files: loading any of them row by row would show.
    with app.app_context(), app.test_request_context():
        case = get_case(reference)
        for _ in range(40):
            person = db.session.get(User, make_user(roles.CASEWORKER, team=TEAM).id)
            access_records.record(person, case, AccessRecord.DOWNLOADED, db.session.get(Attachment, file_on(reference)))
        db.session.commit()
    assert {path: count_queries(app, client, path) for path in pages} == few
    assert count_queries(app, log, f"/cases/{reference}/access-log") == few_log
