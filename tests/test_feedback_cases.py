"""Evidence uploads, following a case through /track, the case page, replies, escalation,
and the rule that a family only ever sees its own case."""

import io
import re
from datetime import timedelta

import lxml.html
import pytest

from portal.accounts.models import User
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Attachment, Case, CaseAccessToken, CaseMessage, FileBlob
from tests.casework_helpers import answer_stage_1
from tests.factories import give_app_code
from tests.feedback_helpers import COMPLAINT, make_category, submit, walk
from tests.test_files import JPEG, PDF, PNG, docx_bytes

MB = 1024 * 1024


@pytest.fixture
def category_id(app):
    with app.app_context():
        return make_category()


def start_journey_to_evidence(client, category_id):
    """Answer everything before the evidence page."""
    walk(client, category_id)


def upload(client, name, data, content_type="application/octet-stream"):
    return client.post(
        "/feedback/evidence",
        data={"evidence": (io.BytesIO(data), name, content_type), "upload": "Upload file"},
        content_type="multipart/form-data",
    )


def draft_files(app) -> list[Attachment]:
    with app.app_context():
        files = db.session.scalars(db.select(Attachment).order_by(Attachment.id)).all()
        db.session.expunge_all()
        return files


def send_case(client, category_id, contact=None, **overrides) -> None:
    steps = dict(overrides)
    if contact:
        steps["contact"] = {**COMPLAINT["contact"], **contact}
    walk(client, category_id, steps)
    submit(client)


def reference_of(app, email) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Case.reference).where(Case.contact_email == email))


# --- evidence -------------------------------------------------------------------------------


def test_good_files_are_kept_and_reach_the_case(app, client, category_id):
    start_journey_to_evidence(client, category_id)
    for name, data in (("letter.pdf", PDF), ("photo.png", PNG), ("scan.jpg", JPEG), ("report.docx", docx_bytes())):
        assert upload(client, name, data).status_code == 302
    page = client.get("/feedback/evidence").get_data(as_text=True)
    for name in ("letter.pdf", "photo.png", "scan.jpg", "report.docx"):
        assert name in page
    client.post("/feedback/evidence", data={"continue": "1"})
    submit(client)
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        assert [a.filename for a in case.attachments] == ["letter.pdf", "photo.png", "scan.jpg", "report.docx"]
        assert all(a.draft_id is None for a in case.attachments)


@pytest.mark.parametrize(
    "name, data, message",
    [
        (
            "letter.pdf",
            b"<html><body><script>alert(1)</script></body></html>",
            "must be a PDF, JPEG, PNG or Word (DOCX)",
        ),
        (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
            "must be a PDF, JPEG, PNG or Word (DOCX)",
        ),
        ("empty.pdf", b"", "The selected file is empty"),
        ("big.pdf", PDF + b"0" * (10 * MB), "must be smaller than 10MB"),
    ],
)
def test_bad_files_are_refused_next_to_the_field(app, client, category_id, name, data, message):
    start_journey_to_evidence(client, category_id)
    response = upload(client, name, data)
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in text
    assert 'href="#evidence"' in text  # the error summary links to the file field
    assert draft_files(app) == []


def test_an_upload_larger_than_the_service_takes_gets_a_clear_413(app, client, category_id):
    start_journey_to_evidence(client, category_id)
    response = upload(client, "huge.pdf", b"0" * (app.config["MAX_CONTENT_LENGTH"] + 1))
    assert response.status_code == 413
    assert "The files you sent are too large" in response.get_data(as_text=True)
    assert "smaller than 10MB" in response.get_data(as_text=True)
    # Everything answered before is still there.
    assert "Jo Smith" in client.get("/feedback/check-your-answers").get_data(as_text=True)


@pytest.mark.parametrize(
    "given, shown",
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\boot.ini.pdf", "boot.ini.pdf"),
        ("bad\x07name\x1b.pdf", "badname.pdf"),
        ("report\u202efdp.exe", "reportfdp.pdf"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
    ],
)
def test_hostile_file_names_are_made_safe(app, client, category_id, given, shown):
    start_journey_to_evidence(client, category_id)
    assert upload(client, given, PDF).status_code == 302
    (stored,) = draft_files(app)
    assert stored.filename == shown
    assert shown in client.get("/feedback/evidence").get_data(as_text=True)


def test_at_most_five_files(app, client, category_id):
    start_journey_to_evidence(client, category_id)
    for number in range(5):
        upload(client, f"file{number}.pdf", PDF)
    page = client.get("/feedback/evidence").get_data(as_text=True)
    assert "You have added the most files you can" in page
    refused = upload(client, "sixth.pdf", PDF)
    assert "You can upload up to 5 files" in refused.get_data(as_text=True)
    assert len(draft_files(app)) == 5


def test_the_file_box_and_its_button_are_told_apart(client, category_id):
    """A screen reader moving between the controls hears a different name for the file box and
    for the button that uploads what it holds."""
    start_journey_to_evidence(client, category_id)
    page = lxml.html.fromstring(client.get("/feedback/evidence").get_data(as_text=True))
    (file_box,) = page.xpath("//input[@type='file']")
    (label,) = page.xpath(f"//label[@for='{file_box.get('id')}']")
    names = [label.text_content().strip()]
    names += [button.text_content().strip() for button in page.xpath("//main//form//button")]
    assert names[:2] == ["Upload a file", "Upload file"]
    assert len(names) == len(set(names))


def test_a_file_can_be_removed(app, client, category_id):
    start_journey_to_evidence(client, category_id)
    upload(client, "wrong.pdf", PDF)
    (stored,) = draft_files(app)
    client.post(f"/feedback/evidence/{stored.id}/remove")
    assert draft_files(app) == []


def test_nobody_else_can_remove_a_draft_file(app, client, category_id):
    start_journey_to_evidence(client, category_id)
    upload(client, "mine.pdf", PDF)
    (stored,) = draft_files(app)
    stranger = app.test_client()
    stranger.post("/feedback/begin")
    assert stranger.post(f"/feedback/evidence/{stored.id}/remove").status_code == 404
    assert len(draft_files(app)) == 1


# --- following a case -----------------------------------------------------------------------


def test_track_emails_a_single_use_link_that_opens_the_case(app, client, category_id, outbox):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    family = app.test_client()  # another device: no access yet
    assert family.get(f"/my-cases/{reference}").status_code == 404

    response = family.post("/track", data={"reference": reference.lower(), "contact": "JO@example.org"})
    assert response.headers["Location"] == "/track/check-your-email"
    link = outbox.link_in(outbox.last("jo@example.org", "case_link"))
    opened = family.get(link)
    assert opened.headers["Location"] == f"/my-cases/{reference}"
    page = family.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert "Your complaint about home-to-school transport" in page
    assert "We will acknowledge it by" in page

    # The same browser tapping it again goes straight to the case it already follows.
    assert family.get(link).headers["Location"] == f"/my-cases/{reference}"
    # Anyone else is sent to ask for a new link, with the reference filled in: never a dead end.
    later = app.test_client()
    again = later.get(link)
    assert again.headers["Location"] == f"/track?reference={reference}"
    asked = later.get(again.headers["Location"]).get_data(as_text=True)
    assert "That link has been used or has expired" in asked
    assert f'value="{reference}"' in asked
    assert later.get(f"/my-cases/{reference}").status_code == 404


def test_track_matches_a_phone_number_however_it_is_written(app, client, category_id, outbox):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    app.test_client().post("/track", data={"reference": reference, "contact": "+44 7700 900982"})
    assert outbox.last("07700 900982", "case_code").channel == "sms"


def test_track_gives_no_hint_whether_a_reference_exists(app, client, category_id, outbox):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    answers = []
    for data in (
        {"reference": reference, "contact": "someone.else@example.org"},
        {"reference": "CAN-2026-99999", "contact": "jo@example.org"},
    ):
        response = app.test_client().post("/track", data=data, follow_redirects=True)
        main = re.search(r"<main.*</main>", response.get_data(as_text=True), re.S).group(0)
        answers.append((response.status_code, main))
    assert answers[0] == answers[1]
    assert outbox.messages(template="case_link") == []


def test_an_expired_link_does_not_open_the_case(app, client, category_id, outbox):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    app.test_client().post("/track", data={"reference": reference, "contact": "jo@example.org"})
    link = outbox.link_in(outbox.last("jo@example.org", "case_link"))
    with app.app_context():
        token = db.session.scalars(db.select(CaseAccessToken).order_by(CaseAccessToken.id.desc())).first()
        token.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    other = app.test_client()
    assert other.get(link).headers["Location"] == f"/track?reference={reference}"
    assert other.get(f"/my-cases/{reference}").status_code == 404


def test_parent_replies_with_evidence_and_the_caseworker_is_told(app, client, category_id, outbox, users):
    caseworker = users.make("caseworker", email="sam@example.org", team="Travel Assist")
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        case.caseworker_id = caseworker.id
        db.session.commit()
    response = client.post(
        f"/my-cases/{reference}/reply",
        data={"body": "Here is the letter from the school.", "evidence": (io.BytesIO(PDF), "school letter.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    page = client.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert "Here is the letter from the school." in page
    assert "school letter.pdf" in page
    assert outbox.last("sam@example.org", "caseworker_update")


def test_an_empty_reply_says_what_to_do(app, client, category_id):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    response = client.post(f"/my-cases/{reference}/reply", data={"body": "  "})
    assert response.status_code == 200
    assert "Enter a message or choose a file to send" in response.get_data(as_text=True)


def test_a_bad_file_in_a_reply_keeps_the_message(app, client, category_id):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    response = client.post(
        f"/my-cases/{reference}/reply",
        data={"body": "My words stay here.", "evidence": (io.BytesIO(b"<svg/>"), "x.svg")},
        content_type="multipart/form-data",
    )
    text = response.get_data(as_text=True)
    assert "must be a PDF, JPEG, PNG or Word (DOCX)" in text
    assert "My words stay here." in text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(CaseMessage.id))) == 0


def test_internal_notes_never_reach_the_family(app, client, category_id):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        note = CaseMessage(case=case, body="Internal: father difficult on phone", internal=True)
        db.session.add(note)
        db.session.flush()
        hidden_file = Attachment(
            case=case,
            message=note,
            blob=FileBlob(data=PDF),
            filename="note.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            from_family=False,
        )
        db.session.add(hidden_file)
        db.session.commit()
        hidden_id = hidden_file.id
    page = client.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert "father difficult" not in page
    assert client.get(f"/my-cases/{reference}/files/{hidden_id}").status_code == 404


def test_parent_escalates_to_stage_2_without_a_reason(app, client, category_id, outbox):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    with app.test_request_context():
        answer_stage_1(reference)
        db.session.commit()
    page = client.get(f"/my-cases/{reference}/escalate").get_data(as_text=True)
    assert "You do not need to give a reason" in page
    response = client.post(f"/my-cases/{reference}/escalate", data={"reason": ""})
    assert response.headers["Location"] == f"/my-cases/{reference}"
    case_page = client.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert "Stage 2 review asked for (stage 2)" in case_page
    assert "Ombudsman" in case_page
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        assert case.stage == 2 and case.escalated_at is not None and case.acknowledge_by is not None
    assert outbox.last("jo@example.org", "case_escalated")
    # Only once.
    assert client.get(f"/my-cases/{reference}/escalate").headers["Location"] == f"/my-cases/{reference}"


def test_family_asks_to_hear_about_changes_and_can_stop(app, client, category_id):
    send_case(client, category_id)
    reference = reference_of(app, "jo@example.org")
    page = client.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert "Email me about changes my feedback helps to make" in page

    response = client.post(f"/my-cases/{reference}/learning-updates", data={"wanted": "yes"}, follow_redirects=True)
    assert "We will email you when we publish a change" in response.get_data(as_text=True)
    assert "Stop these emails" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(Case.wants_learning_updates)) is True

    client.post(f"/my-cases/{reference}/learning-updates", data={"wanted": "no"})
    with app.app_context():
        assert db.session.scalar(db.select(Case.wants_learning_updates)) is False


def test_a_family_without_an_email_is_told_how_to_hear_about_changes(app, client, category_id):
    send_case(client, category_id, contact={"contact_email": "", "preferred_contact": "phone"})
    with app.app_context():
        reference = db.session.scalar(db.select(Case.reference))
    # Sending the feedback opened the case for this browser.
    page = client.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert "if you give us an email address" in page
    client.post(f"/my-cases/{reference}/learning-updates", data={"wanted": "yes"})
    with app.app_context():
        assert db.session.scalar(db.select(Case.wants_learning_updates)) is False


def test_only_complaints_can_be_escalated(app, client, category_id):
    send_case(client, category_id, kind={"kind": "suggestion"}, triage=None, details={"what_happened": "Ramps"})
    reference = reference_of(app, "jo@example.org")
    assert "Ask for a stage 2 review" not in client.get(f"/my-cases/{reference}").get_data(as_text=True)
    client.post(f"/my-cases/{reference}/escalate")
    with app.app_context():
        assert db.session.scalar(db.select(Case.stage)) is None


def test_files_are_downloads_never_pages(app, client, category_id):
    walk(client, category_id)
    upload(client, "evidence.pdf", PDF)
    client.post("/feedback/evidence", data={"continue": "1"})
    submit(client)
    reference = reference_of(app, "jo@example.org")
    (stored,) = draft_files(app)
    response = client.get(f"/my-cases/{reference}/files/{stored.id}")
    assert response.status_code == 200
    assert response.data == PDF
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]


# --- only the family -------------------------------------------------------------------------


@pytest.fixture
def two_families(app, client, users, category_id):
    """Parent A (signed in, sent a case with a file) and parent B (signed in, their own case)."""
    parent_a = users.make("parent", email="a@example.org")
    parent_b = users.make("parent", email="b@example.org")
    a = app.test_client()
    a.post("/sign-in", data={"email": parent_a.email, "password": parent_a.password})
    walk(a, category_id, {"contact": {**COMPLAINT["contact"], "contact_email": "a@example.org"}})
    upload(a, "a-evidence.pdf", PDF)
    a.post("/feedback/evidence", data={"continue": "1"})
    submit(a)
    b = app.test_client()
    b.post("/sign-in", data={"email": parent_b.email, "password": parent_b.password})
    send_case(b, category_id, contact={"contact_email": "b@example.org"})
    with app.app_context():
        case_a = db.session.scalar(db.select(Case).where(Case.contact_email == "a@example.org"))
        file_id = case_a.attachments[0].id
        return {"a": a, "b": b, "reference": case_a.reference, "file_id": file_id, "parent_a": parent_a}


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/my-cases/{reference}"),
        ("get", "/my-cases/{reference}/files/{file_id}"),
        ("get", "/my-cases/{reference}/what-you-told-us"),
        ("get", "/my-cases/{reference}/what-you-told-us.pdf"),
        ("post", "/my-cases/{reference}/reply"),
        ("get", "/my-cases/{reference}/escalate"),
        ("post", "/my-cases/{reference}/escalate"),
        ("post", "/my-cases/{reference}/learning-updates"),
    ],
)
def test_only_the_family_reaches_a_case(app, two_families, method, path):
    url = path.format(**two_families)
    anonymous = app.test_client()
    caseworker_free_visitors = {"anonymous": anonymous, "parent B": two_families["b"]}
    for who, visitor in caseworker_free_visitors.items():
        response = getattr(visitor, method)(url, data={"body": "intruder"} if method == "post" else None)
        assert response.status_code == 404, f"{who} got {response.status_code} for {method.upper()} {url}"
    owner = getattr(two_families["a"], method)(url, data={"body": "from the family"} if method == "post" else None)
    assert owner.status_code in (200, 302), f"parent A got {owner.status_code} for {method.upper()} {url}"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(CaseMessage.id)).where(CaseMessage.body == "intruder")) == 0


def test_a_made_up_case_is_404_too(app, two_families):
    assert two_families["a"].get("/my-cases/CAN-2026-99999").status_code == 404


def test_my_cases_lists_own_cases_including_guest_ones_with_the_same_confirmed_email(app, users, category_id):
    guest = app.test_client()
    send_case(guest, category_id, contact={"contact_email": "later@example.org"})
    send_case(app.test_client(), category_id, contact={"contact_email": "someone@example.org"})
    guest_reference = reference_of(app, "later@example.org")
    other_reference = reference_of(app, "someone@example.org")

    parent = users.make("parent", email="later@example.org")
    browser = app.test_client()
    browser.post("/sign-in", data={"email": parent.email, "password": parent.password})
    page = browser.get("/my-cases").get_data(as_text=True)
    assert guest_reference in page and other_reference not in page
    assert browser.get(f"/my-cases/{guest_reference}").status_code == 200
    assert browser.get(f"/my-cases/{other_reference}").status_code == 404


def test_an_unconfirmed_email_does_not_claim_guest_cases(app, users, category_id):
    send_case(app.test_client(), category_id, contact={"contact_email": "claim@example.org"})
    person = users.make("parent", email="claim@example.org", confirmed=False)
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        user = db.session.get(User, person.id)
        assert not services.family_can_see(case, user, [])
        assert services.cases_for_parent(user) == []
        user.email_confirmed_at = utcnow()
        assert services.family_can_see(case, user, [])


def test_staff_cannot_open_the_family_page(app, two_families, users):
    caseworker = users.make("caseworker")
    browser = app.test_client()
    give_app_code(
        browser,
        browser.post("/sign-in", data={"email": caseworker.email, "password": caseworker.password}),
        caseworker.email,
    )
    assert browser.get(f"/my-cases/{two_families['reference']}").status_code == 404
    assert browser.get("/my-cases").status_code == 403


def test_seed_demo_adds_a_spread_of_cases_once(app, runner, demo):
    with app.app_context():
        cases = db.session.scalars(db.select(Case)).all()
        today = london_today()
        kinds = {case.kind for case in cases}
        statuses = {case.status for case in cases}
        overdue = [
            case for case in cases if case.acknowledge_by and not case.acknowledged_at and case.acknowledge_by < today
        ]
        categories = {case.category_id for case in cases}
        references = [case.reference for case in cases]
        parent_cases = [case for case in cases if case.contact_email == "parent@example.org"]
        with_conversation = [case for case in cases if case.messages]
    assert kinds == {"complaint", "compliment", "suggestion", "question"}
    assert {"received", "acknowledged", "responded", "escalated", "closed"} <= statuses
    assert overdue and len(categories) >= 8 and with_conversation and parent_cases
    assert len(set(references)) == len(references)
    runner.invoke(args=["seed-demo", "--password", demo])
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Case.id))) == len(cases)


def test_purge_drafts_deletes_only_old_unsent_drafts_and_their_files(app, client, runner, category_id):
    from portal.feedback.models import FeedbackDraft

    walk(client, category_id)
    upload(client, "old.pdf", PDF)
    sent = app.test_client()
    send_case(sent, category_id, contact={"contact_email": "sent@example.org"})
    fresh = app.test_client()
    fresh.post("/feedback/begin")
    with app.app_context():
        for draft in db.session.scalars(db.select(FeedbackDraft)):
            if draft.case_id is not None or draft.answers:
                draft.updated_at = utcnow() - timedelta(hours=30)
        db.session.commit()
    result = runner.invoke(args=["feedback", "purge-drafts"])
    assert "Deleted 1 unfinished draft(s)." in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FeedbackDraft.id))) == 2  # the sent one and the fresh one
        assert db.session.scalar(db.select(db.func.count(FileBlob.id))) == 0
        assert db.session.scalar(db.select(db.func.count(Case.id))) == 1
