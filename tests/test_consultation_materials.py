"""What staff add to a consultation: documents to read before answering (type-checked by their
content, downloaded under a safe name), and answers given on paper, by phone or in person,
counted in the results with their channel."""

import io
import zipfile
from datetime import date, timedelta

import sqlalchemy as sa

from portal.accounts import roles
from portal.consultations import models as m
from portal.consultations import results
from portal.core.time import utcnow
from portal.extensions import db
from tests.consultation_helpers import make_consultation
from tests.factories import make_user
from tests.test_security import error_summary, page

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
        archive.writestr("META-INF/manifest.xml", "<manifest/>")
    return buffer.getvalue()


def text(response) -> str:
    return page(response).text


def signed_in_manager(users, auth):
    manager = users.make(roles.MANAGER)
    auth.sign_in(manager)
    return manager


def upload(client, consultation_id: int, data: bytes, name: str, title: str = "Draft strategy", easy_read="no"):
    return client.post(
        f"/manage/consultations/{consultation_id}/documents",
        data={"title": title, "easy_read": easy_read, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


# --- documents -------------------------------------------------------------------------------


def test_a_manager_adds_documents_listed_before_the_questions_and_downloaded(app, client, users, auth):
    with app.app_context():
        consultation = make_consultation(title="Short breaks")
        consultation_id, slug = consultation.id, consultation.slug
    signed_in_manager(users, auth)
    assert upload(client, consultation_id, PDF, "../../Draft strategy.pdf.exe").status_code == 302
    assert (
        upload(client, consultation_id, odt(), "easy.odt", title="Easy read version", easy_read="yes").status_code
        == 302
    )
    auth.sign_out()

    public = client.get(f"/consultations/{slug}")
    shown = text(public)
    assert "Read before you answer" in shown
    assert shown.index("Read before you answer") < shown.index("What do you think?")
    assert shown.index("Easy read version (easy read)") < shown.index("Draft strategy")

    with app.app_context():
        documents = db.session.scalars(sa.select(m.Document).order_by(m.Document.id)).all()
        pdf_id, odt_id = documents[0].id, documents[1].id
    download = client.get(f"/consultations/{slug}/documents/{pdf_id}")
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"] == 'attachment; filename="Draft strategy.pdf.pdf"'
    assert "sandbox" in download.headers["Content-Security-Policy"]
    other = client.get(f"/consultations/{slug}/documents/{odt_id}")
    assert other.headers["Content-Type"] == "application/vnd.oasis.opendocument.text"


def test_a_file_that_is_not_a_document_is_refused_next_to_the_field(app, client, users, auth):
    with app.app_context():
        consultation_id = make_consultation().id
    signed_in_manager(users, auth)
    response = upload(client, consultation_id, b"MZ\x90\x00 not a document", "strategy.pdf")
    assert response.status_code == 200
    assert "Error:" in page(response).title
    message = "The selected file must be a PDF, Word (DOCX) or OpenDocument text (ODT)"
    assert message in error_summary(response)
    assert text(response).count(message) == 2
    assert 'value="Draft strategy"' in response.get_data(as_text=True)  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Document.id))) == 0


def test_a_document_of_a_draft_is_not_public_and_of_another_consultation_is_not_found(app, client, users, auth):
    with app.app_context():
        draft = make_consultation(title="Draft one", state=m.DRAFT)
        other = make_consultation(title="Other one")
        draft_id, draft_slug, other_slug = draft.id, draft.slug, other.slug
    signed_in_manager(users, auth)
    upload(client, draft_id, PDF, "a.pdf")
    auth.sign_out()
    with app.app_context():
        document_id = db.session.scalar(sa.select(m.Document.id))
    assert client.get(f"/consultations/{draft_slug}/documents/{document_id}").status_code == 404
    assert client.get(f"/consultations/{other_slug}/documents/{document_id}").status_code == 404


def test_a_manager_removes_a_document(app, client, users, auth):
    with app.app_context():
        consultation = make_consultation()
        consultation_id, slug = consultation.id, consultation.slug
    signed_in_manager(users, auth)
    upload(client, consultation_id, PDF, "a.pdf")
    with app.app_context():
        document_id = db.session.scalar(sa.select(m.Document.id))
    client.post(f"/manage/consultations/{consultation_id}/documents/{document_id}/remove")
    assert "Read before you answer" not in text(client.get(f"/consultations/{slug}"))


# --- answers given offline -----------------------------------------------------------------------


def offline(consultation: m.Consultation, **changes) -> dict:
    free, one, several, scale = consultation.questions
    data = {
        "channel": "paper",
        "participant": "parent",
        f"question_{free.id}": "Written on the paper form.",
        f"question_{one.id}": str(one.options[1].id),
        f"question_{several.id}": [str(several.options[0].id)],
        f"question_{scale.id}": "4",
    }
    return data | changes


def test_answers_given_on_paper_and_by_phone_are_counted_with_their_channel(app, client, users, auth):
    with app.app_context():
        consultation = make_consultation(title="Short breaks")
        parent = make_user(roles.PARENT)
        db.session.add(
            m.Response(
                consultation=consultation,
                author_id=parent.id,
                submitted_at=utcnow(),
                answers=[m.Answer(question=consultation.questions[0], text="Online words")],
            )
        )
        db.session.commit()
        consultation_id = consultation.id
        data = offline(consultation)
        young = offline(consultation, channel="phone", participant="young_person", age_band="11-15")
    signed_in_manager(users, auth)
    path = f"/manage/consultations/{consultation_id}/offline-answers"
    assert client.post(path, data=data).status_code == 302
    assert client.post(path, data=young).status_code == 302

    with app.app_context():
        consultation = db.session.get(m.Consultation, consultation_id)
        totals = results.totals(consultation)
        assert totals.responses == 3
        assert totals.by_channel == {"online": 1, "paper": 1, "phone": 1, "in_person": 0}
        entered = db.session.scalars(sa.select(m.Response).where(m.Response.channel != m.ONLINE)).all()
        assert {(r.participant, r.age_band, r.visibility, r.moderation) for r in entered} == {
            ("parent", None, m.PRIVATE, m.APPROVED),
            ("young_person", "11-15", m.PRIVATE, m.APPROVED),
        }
        assert all(r.author_id is None and r.entered_by_id is not None for r in entered)

    shown = text(client.get(f"/manage/consultations/{consultation_id}/results"))
    assert "3 responses sent" in shown and "3 people took part" in shown
    assert "Paper 1" in shown and "Phone 1" in shown and "Online 1" in shown
    assert "Parent or carer, paper" in shown and "Written on the paper form." in shown

    # Never on the public board: a paper form was not written for it.
    auth.sign_out()
    assert "Written on the paper form." not in text(client.get(f"/consultations/{consultation.slug}"))


def test_offline_answers_must_answer_the_required_questions_and_say_how_they_came(app, client, users, auth):
    with app.app_context():
        consultation = make_consultation()
        consultation_id = consultation.id
        data = offline(consultation, channel="", **{f"question_{consultation.questions[0].id}": ""})
    signed_in_manager(users, auth)
    response = client.post(f"/manage/consultations/{consultation_id}/offline-answers", data=data)
    assert response.status_code == 200
    summary = error_summary(response)
    assert "Select how the answers were given" in summary
    assert "Enter your answer to \u201cWhat do you think?\u201d" in summary
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Response.id))) == 0


def test_offline_answers_are_taken_only_while_open_and_for_a_while_after(app, client, users, auth):
    with app.app_context():
        recently = make_consultation(title="Recently closed", state=m.CLOSED)
        long_ago = make_consultation(
            title="Long closed",
            state=m.CLOSED,
            opens_on=recently.opens_on - timedelta(days=90),
            closes_on=recently.closes_on - timedelta(days=60),
        )
        recent_id, old_id, data_recent = recently.id, long_ago.id, offline(recently)
        data_old = offline(long_ago)
    signed_in_manager(users, auth)
    assert client.post(f"/manage/consultations/{recent_id}/offline-answers", data=data_recent).status_code == 302
    refused = client.get(f"/manage/consultations/{old_id}/offline-answers")
    assert "Answers can be entered while the consultation is open and for 28 days after it closes" in text(refused)
    client.post(f"/manage/consultations/{old_id}/offline-answers", data=data_old)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(m.Response.id))) == 1


def test_retention_takes_the_words_and_who_gave_them_from_offline_answers_keeping_the_counts(app, runner):
    with app.app_context():
        consultation = make_consultation(
            title="Long ago",
            state=m.CLOSED,
            opens_on=date(2019, 1, 1),
            closes_on=date(2019, 2, 1),
        )
        free = consultation.questions[0]
        db.session.add(
            m.Response(
                consultation=consultation,
                channel=m.PHONE,
                participant=m.PARTICIPANT_YOUNG_PERSON,
                age_band="11-15",
                visibility=m.PRIVATE,
                moderation=m.APPROVED,
                submitted_at=utcnow(),
                answers=[m.Answer(question=free, text="Said on the phone by Ottilie")],
            )
        )
        db.session.commit()
        consultation_id = consultation.id
    result = runner.invoke(args=["retention", "apply"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        response = db.session.scalar(sa.select(m.Response))
        assert (response.participant, response.age_band, response.channel) == (None, None, m.PHONE)
        assert db.session.scalar(sa.select(m.Answer.text)) is None
        totals = results.totals(db.session.get(m.Consultation, consultation_id))
        assert totals.by_channel[m.PHONE] == 1 and totals.responses == 1
