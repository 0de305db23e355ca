"""Words families meet, explained: the glossary, "EHC" spelled out where the feedback journey
first uses it, and easy-read versions of the feedback start and confirmation pages and of what
a family's case page shows, each linked from the standard page."""

import re

import lxml.html
import pytest

from portal.core import complaint_code
from portal.feedback.models import STATUS_LABELS
from tests.feedback_helpers import SLUGS, answer, make_category, submit, walk

GLOSSARY_TERMS = {
    "advocate": "Advocate",
    "annual-review": "Annual review",
    "ehc-needs-assessment": "EHC needs assessment",
    "ehc-plan": "EHC plan (education, health and care plan)",
    "local-offer": "Local Offer",
    "mediation": "Mediation",
    "ombudsman": "Local Government and Social Care Ombudsman",
    "send": "SEND",
    "send-tribunal": "SEND Tribunal",
    "sendiass": "SENDIASS",
    "senco": "SENCO",
}
EASY_READ = {
    "/easy-read/feedback": "Tell us what you think: easy read",
    "/easy-read/feedback/sent": "We have your feedback: easy read",
    "/easy-read/your-case": "What happens to your case: easy read",
}


def document(response):
    assert response.status_code == 200
    return lxml.html.fromstring(response.get_data(as_text=True))


def main_text(response) -> str:
    return re.sub(r"\s+", " ", document(response).xpath("//main")[0].text_content())


def links(response) -> dict[str, str]:
    """Each link's words -> where it goes."""
    return {re.sub(r"\s+", " ", a.text_content()).strip(): a.get("href") for a in document(response).xpath("//a")}


def test_the_glossary_explains_each_word_under_a_heading_a_link_can_point_to(client):
    page = document(client.get("/glossary"))
    assert page.xpath("string(//h1)") == "What these words mean"
    for anchor, term in GLOSSARY_TERMS.items():
        heading = page.get_element_by_id(anchor)
        assert heading.tag == "h2" and heading.text_content().strip() == term
        explanation = heading.getnext()
        assert explanation.tag == "p" and len(explanation.text_content().split()) > 10, anchor
        # The list at the top leads to it.
        assert page.xpath(f"//nav//a[@href='#{anchor}']"), anchor
    text = page.text_content()
    assert "education, health and care" in text
    assert complaint_code.OMBUDSMAN_PHONE in text and "2 months" in text


def test_every_page_footer_links_to_the_glossary(client):
    for path in ("/", "/feedback", "/you-said-we-did"):
        footer = document(client.get(path)).xpath("//footer")[0]
        assert footer.xpath(".//a[@href='/glossary' and normalize-space()='What these words mean']"), path


def test_the_feedback_start_page_links_to_its_easy_read_version_and_the_glossary(client):
    found = links(client.get("/feedback"))
    assert found["Read this page in easy read"] == "/easy-read/feedback"
    assert found["What these words mean"] == "/glossary"


def test_ehc_is_spelled_out_where_the_journey_first_uses_it(app, client):
    with app.app_context():
        category_id = make_category("EHC needs assessment", team="SENAR North")
    client.post("/feedback/begin")
    answer(client, "kind", {"kind": "complaint"})
    answer(client, "safety", {"worried": "no"})
    category = main_text(client.get(f"/feedback/{SLUGS['category']}"))
    assert "EHC needs assessment" in category and "EHC means education, health and care" in category
    answer(client, "category", {"category_id": str(category_id)})
    triage = main_text(client.get(f"/feedback/{SLUGS['triage']}"))
    assert "An EHC plan is an education, health and care plan" in triage
    answer(client, "triage", {"triage": "none"})
    answer(client, "details", {"what_happened": "The assessment was late.", "outcome_wanted": "A decision."})
    child = main_text(client.get(f"/feedback/{SLUGS['child']}"))
    assert "education, health and care (EHC) plan" in child


@pytest.mark.parametrize("path", EASY_READ)
def test_easy_read_pages_use_large_text_and_short_lines(client, path):
    response = client.get(path)
    page = document(response)
    assert page.xpath("string(//h1)") == EASY_READ[path]
    paragraphs = page.xpath("//main//p")
    assert len(paragraphs) >= 8
    for paragraph in paragraphs:
        assert "govuk-body-l" in paragraph.get("class", ""), paragraph.text_content()
        for sentence in re.split(r"(?<=[.?!])\s+", paragraph.text_content().strip()):
            assert len(sentence.split()) <= 20, sentence
    assert links(response)["What these words mean" if path != "/easy-read/feedback/sent" else "See your case"]


def test_the_easy_read_start_page_starts_the_real_form(client):
    page = document(client.get("/easy-read/feedback"))
    form = page.xpath("//main//form")[0]
    started = client.post(form.get("action"))
    assert started.status_code == 302
    assert started.headers["Location"].endswith(f"/feedback/{SLUGS['kind']}")


def test_easy_read_case_page_explains_every_status_and_the_real_deadlines(client):
    text = main_text(client.get("/easy-read/your-case"))
    for label in STATUS_LABELS.values():
        assert label in text
    stage_1, stage_2 = complaint_code.STAGE_1, complaint_code.STAGE_2
    assert f"within {complaint_code.ACKNOWLEDGE_DAYS[stage_1]} working days" in text
    assert f"within {complaint_code.RESPOND_DAYS[stage_1]} more working days" in text
    assert f"stage 2 within {complaint_code.RESPOND_DAYS[stage_2]} working days" in text
    assert "caseworker" in text and "not happy" in text and complaint_code.OMBUDSMAN_PHONE in text


def test_the_confirmation_links_to_its_easy_read_version(app, client):
    with app.app_context():
        category_id = make_category()
    walk(client, category_id)
    assert submit(client).status_code == 302
    assert links(client.get("/feedback/confirmation"))["Read this page in easy read"] == "/easy-read/feedback/sent"


def test_a_familys_case_page_links_to_easy_read_and_to_the_words_near_taking_it_further(client, demo):
    client.post("/sign-in", data={"email": "parent@example.org", "password": demo})
    cases = [
        href for href in links(client.get("/my-cases")).values() if re.fullmatch(r"/my-cases/CAN-[\d-]+", href or "")
    ]
    assert cases
    response = client.get(cases[0])
    assert links(response)["Read this page in easy read"] == "/easy-read/your-case"
    page = document(response)
    not_happy = page.get_element_by_id("not-happy")
    following = not_happy.itersiblings()
    section = []
    for element in following:
        if element.tag == "h2":
            break
        section.append(element)
    assert any(element.xpath(".//a[@href='/glossary']") or element.get("href") == "/glossary" for element in section)
