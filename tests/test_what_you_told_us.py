"""What you told us: the family's own answers on their case page, as a page to print and as a
PDF, offered on the confirmation too; nobody else's browser reaches any of them."""

import io
import re
from datetime import timedelta

import lxml.html
import pytest
from pypdf import PdfReader

from portal.core.time import london_today
from portal.extensions import db
from portal.feedback.models import Case, CaseMessage
from tests.feedback_helpers import make_category, submit, upload_evidence, walk
from tests.test_files import PDF


@pytest.fixture
def category_id(app):
    with app.app_context():
        return make_category("EHC needs assessments and plans")


def send(app, client, category_id, overrides=None, files=()) -> str:
    """Send feedback through the journey, with these files; its reference."""
    walk(client, category_id, overrides)
    for name, data in files:
        upload_evidence(client, name, data)
    client.post("/feedback/evidence", data={"continue": "1"})
    submit(client)
    return last_reference(app)


def last_reference(app) -> str:
    with app.app_context():
        return db.session.scalar(db.select(Case.reference).order_by(Case.id.desc()))


def rows(html: str, heading: str) -> dict[str, str]:
    """The summary list rows (key -> value) under the section headed ``heading``."""
    page = lxml.html.fromstring(html)
    (title,) = page.xpath(f"//main//*[self::h2 or self::h3][normalize-space()='{heading}']")
    summary = title.xpath("following-sibling::dl[1]")[0]
    return {
        " ".join(row.xpath("dt")[0].text_content().split()): " ".join(row.xpath("dd")[0].text_content().split())
        for row in summary.xpath("div")
    }


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_case_page_reads_back_the_familys_own_answers(app, client, category_id):
    reference = send(app, client, category_id, files=[("taxi-log.pdf", PDF)])
    page = client.get(f"/my-cases/{reference}").get_data(as_text=True)
    assert 'id="what-you-told-us"' in page

    about = rows(page, "About your feedback")
    assert about["What you want to do"] == "Make a complaint"
    assert about["A child at risk of harm"] == "No"
    # A category keeps its capitals.
    assert about["What it is about"] == "EHC needs assessments and plans"
    assert about["About a decision"] == "None of these"
    details = rows(page, "Details")
    assert details["What happened"] == "The taxi did not come for three weeks."
    assert details["What you would like to happen"] == "A reliable taxi and an apology."
    assert rows(page, "The child or young person") == {
        "First name or initials": "JS",
        "School year": "Year 5",
        "School, college or setting": "Riverside Primary",
        "EHC plan": "Yes",
    }
    you = rows(page, "About you")
    assert you["Name"] == "Jo Smith" and you["Email address"] == "jo@example.org"
    assert you["Support you need"] == "Easy read letters and emails"
    assert rows(page, "Evidence") == {"Files": "taxi-log.pdf"}
    # Each file sent is a link to it; nothing read back offers to change it.
    document = lxml.html.fromstring(page)
    assert document.xpath("//main//a[normalize-space()='taxi-log.pdf']/@href")[0].startswith(
        f"/my-cases/{reference}/files/"
    )
    assert "/feedback/" not in page.split('id="what-you-told-us"')[1].split('id="send-message"')[0]
    # It is offered to print and as a PDF.
    assert f'href="/my-cases/{reference}/what-you-told-us"' in page
    assert f'href="/my-cases/{reference}/what-you-told-us.pdf"' in page


def test_the_printable_copy_has_the_answers_and_nothing_staff_wrote(app, client, category_id):
    reference = send(app, client, category_id)
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        db.session.add(CaseMessage(case=case, internal=True, body="Internal: check the taxi contract"))
        db.session.add(CaseMessage(case=case, body="We are looking into the taxi."))
        db.session.commit()

    response = client.get(f"/my-cases/{reference}/what-you-told-us")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    document = lxml.html.fromstring(page)
    assert document.findtext(".//title").startswith(f"What you told us: your complaint {reference}")
    assert " ".join(document.xpath("//h1")[0].text_content().split()) == "What you told us"
    assert "Your complaint about EHC needs assessments and plans" in page
    assert rows(page, "Details")["What happened"] == "The taxi did not come for three weeks."
    assert "check the taxi contract" not in page and "We are looking into the taxi." not in page
    assert "Change" not in document.xpath("//main")[0].text_content()
    # No script prints it (the content security policy allows none inline): the browser's own command does.
    assert "<script" not in page.split("<main")[1].split("</main>")[0]


def test_the_pdf_is_a_download_with_the_familys_words(app, client, category_id):
    reference = send(app, client, category_id, files=[("taxi-log.pdf", PDF)])
    with app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        db.session.add(CaseMessage(case=case, internal=True, body="Internal: check the taxi contract"))
        db.session.commit()

    response = client.get(f"/my-cases/{reference}/what-you-told-us.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"what-you-told-us-{reference}.pdf" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    text = pdf_text(response)
    for words in (
        "What you told us",
        f"Your complaint about EHC needs assessments and plans, reference {reference}",
        "The taxi did not come for three weeks.",
        "A reliable taxi and an apology.",
        "Riverside Primary",
        "Jo Smith",
        "Easy read letters and emails",
        "taxi-log.pdf",
    ):
        assert words in text, words
    assert "check the taxi contract" not in text
    # Tagged, so that a screen reader reads its headings in the right language.
    reader = PdfReader(io.BytesIO(response.get_data()))
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith(f"What you told us: {reference}")


def test_a_compliment_is_not_read_back_a_question_it_was_not_asked(app, client, category_id):
    overrides = {"kind": {"kind": "compliment"}, "triage": None, "details": {"what_happened": "Thank you, Sam."}}
    walk(client, category_id, overrides)
    assert "A child at risk of harm" not in client.get("/feedback/check-your-answers").get_data(as_text=True)
    submit(client)
    reference = last_reference(app)
    page = client.get(f"/my-cases/{reference}/what-you-told-us").get_data(as_text=True)
    assert "A child at risk of harm" not in page and "About a decision" not in page
    assert rows(page, "Details") == {"What you told us": "Thank you, Sam."}


def test_an_appeal_route_is_read_back_with_the_letter_date(app, client, category_id):
    letter = london_today() - timedelta(days=10)
    walk(
        client,
        category_id,
        {
            "triage": {"triage": "plan"},
            "route": {"decision_letter_date": [str(letter.day), str(letter.month), str(letter.year)]},
        },
    )
    client.post("/feedback/evidence", data={"continue": "1"})
    submit(client)
    reference = last_reference(app)
    about = rows(client.get(f"/my-cases/{reference}/what-you-told-us").get_data(as_text=True), "About your feedback")
    # The case keeps the route the answer led to, not which of its three choices it was.
    assert about["About a decision"].startswith("A decision about an EHC needs assessment or plan")
    assert about["Decision letter date"].startswith(f"{letter:%-d %B %Y} (contact a mediation adviser by")


def test_the_confirmation_offers_a_copy_while_the_browser_may_see_the_case(app, client, category_id):
    reference = send(app, client, category_id)
    page = client.get("/feedback/confirmation").get_data(as_text=True)
    assert f'href="/my-cases/{reference}/what-you-told-us"' in page
    assert f'href="/my-cases/{reference}/what-you-told-us.pdf"' in page

    # Once the family closes the case in this browser, the confirmation no longer offers it.
    client.post(f"/my-cases/{reference}/close-access")
    assert "what-you-told-us" not in client.get("/feedback/confirmation").get_data(as_text=True)


def test_anonymous_feedback_is_offered_a_copy_to_keep_now(app, client, category_id):
    reference = send(app, client, category_id, {"reply": {"reply": "no"}, "contact": None, "adjustments": None})
    page = client.get("/feedback/confirmation").get_data(as_text=True)
    assert f'href="/my-cases/{reference}/what-you-told-us.pdf"' in page
    assert re.search(r"we cannot send you a link to it later", page)
    you = rows(client.get(f"/my-cases/{reference}/what-you-told-us").get_data(as_text=True), "About you")
    assert you == {"Reply": "No – anonymous, so we cannot reply"}
    assert client.get(f"/my-cases/{reference}/what-you-told-us.pdf").get_data().startswith(b"%PDF")


@pytest.mark.parametrize(
    "path", ["/my-cases/{reference}/what-you-told-us", "/my-cases/{reference}/what-you-told-us.pdf"]
)
def test_a_stranger_gets_404(app, client, category_id, path):
    reference = send(app, client, category_id)
    assert app.test_client().get(path.format(reference=reference)).status_code == 404
    assert app.test_client().get(path.format(reference="CAN-2026-99999")).status_code == 404
