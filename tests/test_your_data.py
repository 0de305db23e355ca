"""A parent's or youth member's subject access export (UK GDPR Article 15): from their account
page they download a ZIP of everything held about them, readable and machine-readable, with the
files on their cases, and nothing of anyone else's or of what staff keep for themselves."""

import io
import json
import re
import zipfile
from dataclasses import dataclass

import pytest

from portal.accounts import roles
from portal.accounts.models import User
from portal.consultations import alerts
from portal.consultations import models as cm
from portal.core.files import check_upload
from portal.core.models import AuditEvent
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Attachment, CaseMessage, FileBlob
from portal.feedback.survey_models import SatisfactionSurvey
from portal.notifications.models import OutboxMessage
from portal.themes.models import LearningTheme
from tests.casework_helpers import category_id, get_case, new_case, sign_in
from tests.consultation_helpers import make_consultation
from tests.factories import get_user, make_user
from tests.test_security import sign_in_with_token

TEAM = "SENAR North"


@dataclass(frozen=True)
class Family:
    person: object
    reference: str
    # Words and bytes that belong to this family alone, to look for in an export.
    own: dict


def pdf_of(words: str) -> bytes:
    return b"%PDF-1.7\n% " + words.encode() + b"\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def make_family(app, label: str, caseworker) -> Family:
    """A parent with a case (their words, a message, a file, a staff reply and an internal
    note with a file of its own), a consultation answer and a comment, and an email."""
    own = {
        "name": f"{label} Parentname",
        "email": f"{label.lower()}@example.org",
        "what_happened": f"{label} taxi never came to the house",
        "child": f"{label}child",
        "message": f"{label} family message about the bus",
        "filename": f"{label}-evidence.pdf",
        "file_words": f"{label} file contents",
        "answer": f"{label} consultation answer words",
        "comment": f"{label} comment on the board",
        "subject": f"{label} email subject line",
        "staff_reply": f"{label} reply from the council",
        "survey_comment": f"{label} said how the complaint was handled",
    }
    with app.app_context(), app.test_request_context():
        person = make_user(roles.PARENT, name=own["name"], email=own["email"])
        reference = new_case(
            category=category_id("Home-to-school transport", TEAM),
            caseworker=caseworker,
            user_id=person.id,
            contact_name=own["name"],
            contact_email=own["email"],
            what_happened=own["what_happened"],
            child_name=own["child"],
        )
        own["reference"] = reference
        case = get_case(reference)
        user = db.session.get(User, person.id)
        feedback_services.family_reply(case, own["message"], [check_upload(own["filename"], pdf_of(own["file_words"]))])
        db.session.add(CaseMessage(case=case, author_id=caseworker.id, body=own["staff_reply"]))
        db.session.add(
            SatisfactionSurvey(
                case=case,
                stage=1,
                channel="email",
                answered_at=utcnow(),
                satisfaction=4,
                listened="partly",
                comments=own["survey_comment"],
            )
        )
        note = CaseMessage(case=case, author_id=caseworker.id, internal=True, body=f"{label} internal staff note")
        db.session.add(note)
        feedback_services.add_attachment(
            check_upload(f"{label}-internal.pdf", pdf_of(f"{label} internal file")), case=case, message=note
        )
        consultation = make_consultation(title=f"{label} consultation", slug=f"{label.lower()}-consultation")
        first = consultation.questions[0]
        theme = LearningTheme(name=f"{label} staff theme")
        response = cm.Response(
            consultation=consultation,
            author_id=user.id,
            submitted_at=utcnow(),
            moderation=cm.APPROVED,
            moderated_by_id=caseworker.id,
        )
        response.answers.append(cm.Answer(question=first, text=own["answer"], themes=[theme]))
        db.session.add(response)
        db.session.add(cm.Comment(response=response, author_id=user.id, body=own["comment"]))
        db.session.add(
            OutboxMessage(
                recipient=own["email"], subject=own["subject"], body=f"{label} live link body", template="case_reply"
            )
        )
        db.session.commit()
    return Family(person, reference, own)


@pytest.fixture
def caseworker(app):
    with app.app_context():
        return make_user(roles.CASEWORKER, team=TEAM, name="Asha Caseworker")


@pytest.fixture
def families(app, caseworker):
    return make_family(app, "Alder", caseworker), make_family(app, "Birch", caseworker)


def download(client) -> tuple:
    response = client.post("/account/your-data")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return response, archive


def everything_in(archive: zipfile.ZipFile) -> bytes:
    return b"\n".join(name.encode() + b"\n" + archive.read(name) for name in archive.namelist())


def test_the_page_needs_signing_in(client):
    response = client.get("/account/your-data")
    assert response.status_code == 302
    assert "/sign-in" in response.headers["Location"]
    assert client.post("/account/your-data").status_code == 302


def test_staff_have_no_family_export(client, caseworker):
    sign_in(client, caseworker)
    assert client.get("/account/your-data").status_code == 403
    assert client.post("/account/your-data").status_code == 403


def test_the_account_page_leads_to_the_page_that_says_what_the_export_holds(client, auth, families):
    auth.sign_in(families[0].person)
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/your-data"' in account
    page = client.get("/account/your-data").get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Download your data</h1>' in page
    assert re.search(r"<title>\s*Download your data", page)
    assert "Download your data</button>" in re.sub(r"\s+", " ", page).replace(" </button>", "</button>")


def test_the_zip_holds_the_page_the_data_and_the_files(app, client, auth, families, caseworker):
    alder = families[0]
    # A caseworker opens the family's case: the family's export says so.
    staff = app.test_client()
    sign_in(staff, caseworker)
    assert staff.get(f"/cases/{alder.reference}").status_code == 200

    auth.sign_in(alder.person)
    response, archive = download(client)
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response.headers["Cache-Control"]
    names = archive.namelist()
    assert "your-data.html" in names and "your-data.json" in names
    assert f"files/{alder.reference}/{alder.own['filename']}" in names
    assert archive.read(f"files/{alder.reference}/{alder.own['filename']}") == pdf_of(alder.own["file_words"])

    page = archive.read("your-data.html").decode()
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in page
    for words in (
        "reference",
        "what_happened",
        "message",
        "answer",
        "comment",
        "subject",
        "staff_reply",
        "child",
        "survey_comment",
    ):
        assert alder.own[words] in page, words
    assert '<h2 id="cases">' in page and "<table>" in page
    assert "<script" not in page and "<style" not in page and "style=" not in page

    data = json.loads(archive.read("your-data.json"))
    assert data["account"]["email"] == alder.own["email"]
    assert data["account"]["created_at"].endswith("+00:00")  # ISO 8601, with its zone
    [case] = data["cases"]
    assert case["reference"] == alder.reference
    assert {"section": "Details", "question": "What happened", "answer": alder.own["what_happened"]} in case["answers"]
    assert [m["body"] for m in case["messages"]] == [alder.own["message"], alder.own["staff_reply"]]
    assert [f["filename"] for f in case["files"]] == [alder.own["filename"]]
    [survey] = case["survey_answers"]
    assert (survey["stage"], survey["listened"], survey["comments"]) == (1, "Partly", alder.own["survey_comment"])
    [opened] = case["access_log"]
    assert opened["name"] == "Asha Caseworker" and opened["what"] == "Opened the case"
    assert "T" in opened["at"]
    [response_data] = data["consultation_responses"]
    assert response_data["answers"][0]["answer"] == alder.own["answer"]
    assert [c["body"] for c in data["consultation_comments"]] == [alder.own["comment"]]
    assert [e["subject"] for e in data["emails"]] == [alder.own["subject"]]


def test_what_staff_keep_for_themselves_and_secrets_are_not_in_it(app, client, auth, families):
    alder = families[0]
    auth.sign_in(alder.person)
    _, archive = download(client)
    everything = everything_in(archive)
    for staff_only in (b"Alder internal staff note", b"Alder-internal", b"Alder internal file", b"Alder staff theme"):
        assert staff_only not in everything, staff_only
    # No email body (it may hold a live link), password hash or two-factor secret.
    assert b"Alder live link body" not in everything
    assert b"argon2" not in everything and b"password" not in everything.lower()
    with app.app_context():
        internal = db.session.scalar(db.select(Attachment).where(Attachment.filename == "Alder-internal.pdf"))
        assert db.session.get(FileBlob, internal.blob_id).data not in everything


def test_only_the_persons_own_data_is_in_it(client, auth, families):
    alder, birch = families
    auth.sign_in(alder.person)
    _, archive = download(client)
    everything = everything_in(archive)
    for kind, words in alder.own.items():
        assert words.encode() in everything, f"Alder's {kind} is missing"
    for kind, words in birch.own.items():
        assert words.encode() not in everything, f"Birch's {kind} is in Alder's export"
    assert not any(name.startswith(f"files/{birch.reference}") for name in archive.namelist())


def test_a_case_given_with_the_persons_confirmed_email_is_theirs_too(app, client, auth, caseworker):
    with app.app_context():
        person = make_user(roles.PARENT, email="rowan@example.org")
        reference = new_case(caseworker=caseworker, contact_email="rowan@example.org")
        unconfirmed = make_user(roles.PARENT, email="hazel@example.org", confirmed=False)
        new_case(caseworker=caseworker, contact_email="hazel@example.org")
    auth.sign_in(person)
    _, archive = download(client)
    assert [case["reference"] for case in json.loads(archive.read("your-data.json"))["cases"]] == [reference]
    assert unconfirmed.email not in archive.read("your-data.json").decode()


def test_two_files_of_the_same_name_and_hostile_names_stay_inside_their_case_folder(app, client, auth, caseworker):
    with app.app_context(), app.test_request_context():
        person = make_user(roles.PARENT)
        reference = new_case(caseworker=caseworker, user_id=person.id)
        case = get_case(reference)
        for name in ("letter.pdf", "letter.pdf"):
            feedback_services.add_attachment(check_upload(name, pdf_of(name)), case=case)
        hostile = feedback_services.add_attachment(check_upload("x.pdf", pdf_of("hostile")), case=case)
        hostile.filename = "../../../etc/passwd.pdf"
        db.session.commit()
    auth.sign_in(person)
    _, archive = download(client)
    files = sorted(name for name in archive.namelist() if name.startswith("files/"))
    assert files == [
        f"files/{reference}/letter (2).pdf",
        f"files/{reference}/letter.pdf",
        f"files/{reference}/passwd.pdf",
    ]


def test_a_youth_member_downloads_their_answers_for_the_forum(app, client, auth):
    with app.app_context():
        member = make_user(roles.YOUTH, name="Kit Member")
        consultation = make_consultation(title="Youth club times", forum_may_answer=True)
        response = cm.Response(consultation=consultation, author_id=member.id, voice=cm.FORUM_VOICE)
        response.answers.append(cm.Answer(question=consultation.questions[0], text="Later on Fridays"))
        db.session.add(response)
        db.session.commit()
    auth.sign_in(member)
    assert client.get("/account/your-data").status_code == 200
    _, archive = download(client)
    data = json.loads(archive.read("your-data.json"))
    assert data["cases"] == []
    [answered] = data["consultation_responses"]
    assert answered["voice"] == "For the youth forum as a whole" and answered["submitted_at"] is None
    page = archive.read("your-data.html").decode()
    assert "Later on Fridays" in page and "Not sent (a draft)" in page
    assert "You have not given us any feedback." in page


def test_the_consultation_alerts_they_chose_are_in_it(app, client, auth):
    with app.app_context():
        member = make_user(roles.YOUTH, name="Kit Member")
        alerts.save_choice(get_user(member), {cm.OPENING}, cm.WEEKLY)
        db.session.commit()
    auth.sign_in(member)
    _, archive = download(client)
    chosen = json.loads(archive.read("your-data.json"))["consultation_alerts"]
    assert chosen["chosen"] == ["When a consultation opens for you"]
    assert chosen["how_often"] == "In one email each Monday (weekly digest)"
    page = archive.read("your-data.html").decode()
    assert "Consultation alerts you asked for" in page and "When a consultation opens for you" in page


def test_the_download_is_recorded_in_the_audit_log(app, client, auth, families):
    auth.sign_in(families[0].person)
    download(client)
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "user.data_exported"))
        assert event.actor_id == families[0].person.id
        assert event.details["cases"] == [get_case(families[0].reference).id]


def test_the_download_refuses_a_request_without_a_csrf_token(csrf_app, families):
    client = csrf_app.test_client()
    sign_in_with_token(client, families[0].person)
    response = client.post("/account/your-data")
    assert response.status_code == 400
