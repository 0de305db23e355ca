"""What an anonymous visitor can store is bounded: forms started and files uploaded per
address, the total size of a draft's files and of a case's replies in a day. Each limit is
told to the person in words, next to the field, and never loses what they typed. Files on a
case stay until the case itself is deleted."""

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine

from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback import services
from portal.feedback.models import Attachment, Case, CaseMessage, FeedbackDraft, FileBlob
from tests.feedback_helpers import make_category, send_reply, submit, upload_evidence, walk
from tests.test_files import PDF, docx_with_parts

MB = 1024 * 1024


def pdf_of_size(size: int) -> bytes:
    return PDF + b"0" * (size - len(PDF))


@pytest.fixture
def category_id(app):
    with app.app_context():
        return make_category()


def draft_file_sizes(app) -> list[int]:
    with app.app_context():
        return db.session.scalars(
            db.select(Attachment.size).where(Attachment.draft_id.is_not(None)).order_by(Attachment.id)
        ).all()


def send_case(app, client, category_id) -> str:
    walk(client, category_id)
    submit(client)
    with app.app_context():
        return db.session.scalar(db.select(Case.reference))


def messages_on_case(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(CaseMessage.id)))


def assert_error_beside_the_file_field(response, message: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(r"<title>\s*Error: ", text)
    assert text.count(message) == 2, "in the error summary and beside the field"
    assert 'href="#evidence"' in text


# --- the total size of a draft's files ----------------------------------------------------------


def test_a_draft_holds_at_most_25mb_of_files_and_says_how_much_is_left(app, client, category_id):
    walk(client, category_id)
    for number in range(2):
        assert upload_evidence(client, f"letter{number}.pdf", pdf_of_size(10 * MB - 100)).status_code == 302

    refused = upload_evidence(client, "report.pdf", pdf_of_size(6 * MB))

    assert_error_beside_the_file_field(refused, "The files you add must be 25MB or less in total. You have 5MB left")
    assert draft_file_sizes(app) == [10 * MB - 100] * 2
    # A file that fits still goes in, and the answers given so far are all there.
    assert upload_evidence(client, "note.pdf", pdf_of_size(4 * MB)).status_code == 302
    assert "Jo Smith" in client.get("/feedback/check-your-answers").get_data(as_text=True)


def test_the_evidence_page_says_how_much_can_be_added(client, category_id):
    walk(client, category_id)
    assert "You can add up to 5 files, 25MB in total." in client.get("/feedback/evidence").get_data(as_text=True)


def test_a_full_draft_says_to_remove_a_file(app, client, category_id):
    app.config["UPLOAD_TOTAL_PER_DRAFT"] = 2 * MB
    walk(client, category_id)
    upload_evidence(client, "all of it.pdf", pdf_of_size(2 * MB))
    refused = upload_evidence(client, "one more.pdf", PDF)
    assert_error_beside_the_file_field(
        refused, "The files you add must be 2MB or less in total. Remove a file to add another"
    )


# --- the total size of a case's replies in a day ------------------------------------------------


def test_replies_can_carry_25mb_of_files_a_day_and_a_refused_file_keeps_the_message(app, client, category_id):
    # 10:30pm in London on a winter evening, so that tomorrow is two hours away.
    with time_machine.travel(datetime(2026, 1, 13, 22, 30, tzinfo=timezone.utc)) as clock:
        reference = send_case(app, client, category_id)
        for number in range(2):
            sent = send_reply(
                client, reference, f"Letter {number}", (f"letter{number}.pdf", pdf_of_size(10 * MB - 100))
            )
            assert sent.status_code == 302

        refused = send_reply(client, reference, "My words stay here.", ("report.pdf", pdf_of_size(6 * MB)))

        assert_error_beside_the_file_field(
            refused, "The files you send each day must be 25MB or less in total. You have 5MB left today"
        )
        assert "My words stay here." in refused.get_data(as_text=True)
        assert messages_on_case(app) == 2

        clock.shift(timedelta(hours=2))
        assert (
            send_reply(client, reference, "My words stay here.", ("report.pdf", pdf_of_size(6 * MB))).status_code == 302
        )
        assert messages_on_case(app) == 3


def test_a_case_that_used_its_day_says_to_send_the_message_alone(app, client, category_id):
    app.config["UPLOAD_TOTAL_PER_CASE_PER_DAY"] = 1 * MB
    reference = send_case(app, client, category_id)
    send_reply(client, reference, "The letter.", ("letter.pdf", pdf_of_size(1 * MB)))
    refused = send_reply(client, reference, "And this one.", ("more.pdf", PDF))
    assert_error_beside_the_file_field(
        refused,
        "The files you send each day must be 1MB or less in total. Send your message without a file, or send the file tomorrow",
    )
    assert send_reply(client, reference, "And this one.").status_code == 302


def test_evidence_sent_with_the_case_does_not_count_against_replies(app, client, category_id):
    app.config["UPLOAD_TOTAL_PER_CASE_PER_DAY"] = 1 * MB
    walk(client, category_id)
    upload_evidence(client, "evidence.pdf", pdf_of_size(1 * MB))
    submit(client)
    with app.app_context():
        reference = db.session.scalar(db.select(Case.reference))
    assert send_reply(client, reference, "One more.", ("more.pdf", pdf_of_size(1 * MB))).status_code == 302


# --- per address --------------------------------------------------------------------------------


def from_address(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


# 2:05pm in London, in winter.
AFTERNOON = datetime(2026, 1, 13, 14, 5, tzinfo=timezone.utc)


@time_machine.travel(AFTERNOON, tick=False)
def test_starting_forms_is_limited_per_address_and_says_when_to_try_again(app, category_id):
    app.config["DRAFT_LIMIT_PER_ADDRESS"] = "3 per hour"
    browsers = [from_address(app, "203.0.113.7") for _ in range(4)]
    for browser in browsers[:3]:
        assert browser.post("/feedback/begin").status_code == 302

    refused = browsers[3].post("/feedback/begin")

    text = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "You have started too many forms" in text
    assert "You can start up to 3 feedback forms an hour from the same internet connection." in text
    assert "Try again after 3:05pm." in text
    assert refused.headers["Retry-After"] == "3600"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FeedbackDraft.id))) == 3
    # Someone part way through carries on; another address is not affected.
    assert browsers[0].post("/feedback/begin").status_code == 302
    assert from_address(app, "198.51.100.2").post("/feedback/begin").status_code == 302


@time_machine.travel(AFTERNOON, tick=False)
def test_uploads_are_limited_per_address_across_evidence_and_replies(app, category_id):
    app.config["UPLOAD_LIMIT_PER_ADDRESS"] = "2 per hour"
    family = from_address(app, "203.0.113.7")
    reference = send_case(app, family, category_id)
    assert send_reply(family, reference, "First.", ("a.pdf", PDF)).status_code == 302

    neighbour = from_address(app, "203.0.113.7")
    walk(neighbour, category_id)
    assert upload_evidence(neighbour, "b.pdf", PDF).status_code == 302
    refused_evidence = upload_evidence(neighbour, "c.pdf", PDF)
    refused_reply = send_reply(family, reference, "My words stay here.", ("d.pdf", PDF))

    for refused in (refused_evidence, refused_reply):
        assert_error_beside_the_file_field(refused, "You can upload up to 2 files an hour. Try again after 3:05pm")
    assert "My words stay here." in refused_reply.get_data(as_text=True)
    assert draft_file_sizes(app) == [len(PDF)]
    # A message without a file still goes, and another address can still upload.
    assert send_reply(family, reference, "My words stay here.").status_code == 302
    elsewhere = from_address(app, "198.51.100.2")
    walk(elsewhere, category_id)
    assert upload_evidence(elsewhere, "e.pdf", PDF).status_code == 302


def test_a_docx_bomb_is_refused_on_the_page_not_with_an_error(app, client, category_id):
    walk(client, category_id)
    refused = upload_evidence(client, "report.docx", docx_with_parts(1500))
    assert_error_beside_the_file_field(refused, "The selected Word document has too many parts to check.")
    assert draft_file_sizes(app) == []


# --- files on a case stay until the case goes --------------------------------------------------


def make_drafts_old(app) -> None:
    with app.app_context():
        db.session.execute(db.update(FeedbackDraft).values(updated_at=utcnow() - timedelta(hours=30)))
        db.session.commit()


def file_names(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(db.select(Attachment.filename).order_by(Attachment.filename)).all()


def test_files_sent_with_a_case_or_a_reply_survive_purging_drafts(app, client, runner, category_id):
    walk(client, category_id)
    upload_evidence(client, "evidence.pdf", PDF)
    submit(client)
    with app.app_context():
        reference = db.session.scalar(db.select(Case.reference))
    send_reply(client, reference, "Here is the letter.", ("reply letter.pdf", PDF))
    unsent = app.test_client()
    walk(unsent, category_id)
    upload_evidence(unsent, "never sent.pdf", PDF)
    make_drafts_old(app)

    assert "Deleted 1 unfinished draft(s)." in runner.invoke(args=["feedback", "purge-drafts"]).output

    assert file_names(app) == ["evidence.pdf", "reply letter.pdf"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FileBlob.id))) == 2
    page = client.get(f"/my-cases/{reference}").get_data(as_text=True)
    for attachment_id in re.findall(rf"/my-cases/{reference}/files/(\d+)", page):
        assert client.get(f"/my-cases/{reference}/files/{attachment_id}").data == PDF


def test_a_case_file_still_linked_to_an_old_draft_survives_the_purge(app, client, category_id):
    """However a case's file came to point at an unsent draft (a submission racing the purge
    at the 24-hour mark), purging that draft must not take the case's file with it."""
    walk(client, category_id)
    submit(client)
    with app.app_context():
        reference = db.session.scalar(db.select(Case.reference))
    send_reply(client, reference, "Here is the letter.", ("reply letter.pdf", PDF))
    app.test_client().post("/feedback/begin")
    with app.app_context():
        unsent = db.session.scalar(db.select(FeedbackDraft).where(FeedbackDraft.case_id.is_(None)))
        db.session.execute(db.update(Attachment).values(draft_id=unsent.id))
        db.session.commit()
    make_drafts_old(app)

    with app.app_context():
        assert services.purge_drafts() == 1
        db.session.commit()

    assert file_names(app) == ["reply letter.pdf"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(FileBlob.id))) == 1


def test_deleting_the_case_deletes_its_files(app, client, category_id):
    walk(client, category_id)
    upload_evidence(client, "evidence.pdf", PDF)
    submit(client)
    with app.app_context():
        reference = db.session.scalar(db.select(Case.reference))
    send_reply(client, reference, "Here is the letter.", ("reply letter.pdf", PDF))
    with app.app_context():
        db.session.delete(db.session.scalar(db.select(Case)))
        db.session.commit()
    assert file_names(app) == []
