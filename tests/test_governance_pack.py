"""The governance pack of the annual complaints report (Complaint Handling Code 8.1 to 8.3 and
9.5 to 9.7) and the Local Offer comments summary (SEND Regulations 2014, regulation 56):
prepared by managers, needed before publishing, and frozen in the published version."""

import html
import io
import re
from datetime import date, datetime

import pytest
from pypdf import PdfReader

from portal.accounts import roles
from portal.casework.models import CaseOutcome
from portal.consultations import models as m
from portal.core.complaint_code import SECTION_KEYS, SECTION_LABELS
from portal.core.time import LONDON
from portal.extensions import db
from portal.reports import documents, governance, local_offer
from portal.reports.periods import FinancialYear
from portal.themes.models import LearningTheme
from tests.casework_helpers import category_id, get_case, new_case
from tests.consultation_helpers import make_consultation
from tests.factories import get_user
from tests.governance_helpers import GOVERNANCE_RESPONSE, MEMBER, prepare_pack
from tests.test_reports_complaints import report_pdf_text, tables
from tests.test_security import error_summary, page

YEAR = FinancialYear(2025)


@pytest.fixture
def manager(users):
    return users.make(roles.MANAGER)


@pytest.fixture(autouse=True)
def after_the_year(frozen):
    frozen(date(2026, 5, 1))


def publish(client, auth, manager, note=""):
    auth.sign_in(manager)
    response = client.post(
        "/manage/reports/complaints", data={"year": str(YEAR.start_year), "note": note, "publish": "Publish"}
    )
    auth.sign_out()
    return response


def prepare(app, manager, **kwargs):
    with app.app_context():
        prepare_pack(get_user(manager), YEAR, **kwargs)


def error_links(response) -> dict[str, str]:
    """The error summary's messages and where each links to."""
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', response.get_data(as_text=True), re.S).group(0)
    links = re.findall(r'<a href="([^"]+)"[^>]*>\s*([^<]+?)\s*</a>', html.unescape(summary))
    return {text: href for href, text in links}


# --- publishing needs the pack ----------------------------------------------------------------


def test_publishing_is_refused_until_every_section_and_the_governance_response_are_entered(app, client, auth, manager):
    refused = publish(client, auth, manager)
    assert refused.status_code == 200
    assert page(refused).title.startswith("Error: ")
    links = error_links(refused)
    assert (
        list(links)[0]
        == "The report for April 2025 to March 2026 cannot be published until its governance pack is complete"
    )
    for key in SECTION_KEYS:
        message = f"Enter the self-assessment for {SECTION_LABELS[key]}"
        assert links[message] == f"/manage/reports/complaints/2025/self-assessment/{key}", message
    governance_message = next(text for text in links if text.startswith("Enter the governance response"))
    assert links[governance_message] == "/manage/reports/complaints/2025/governance"
    assert client.get("/reports/complaints/2025.pdf").status_code == 404

    # Half done: only what is still missing is listed.
    prepare(app, manager, sections=SECTION_KEYS[:9], governance_response=False)
    refused = publish(client, auth, manager)
    assert list(error_links(refused))[1:] == [
        f"Enter the self-assessment for {SECTION_LABELS['scrutiny']}",
        governance_message,
    ]

    prepare(app, manager, sections=["scrutiny"])
    assert publish(client, auth, manager).status_code == 302
    assert client.get("/reports/complaints/2025.pdf").status_code == 200


def test_a_manager_prepares_the_pack_through_its_pages(app, client, auth, manager):
    auth.sign_in(manager)
    index = client.get("/manage/reports/complaints/2025")
    assert index.status_code == 200 and "Incomplete" in page(index).text

    # A missing answer is shown beside its field and in the summary, keeping what was typed.
    path = "/manage/reports/complaints/2025/self-assessment/definitions"
    refused = client.post(path, data={"compliance": "met", "evidence": "", "actions": "Typed actions"})
    assert refused.status_code == 200 and "Enter the evidence" in error_summary(refused)
    assert "Typed actions" in refused.get_data(as_text=True)
    saved = client.post(path, data={"compliance": "partly_met", "evidence": "Our policy says so.", "actions": ""})
    assert saved.location.endswith("/self-assessment/exclusions")  # on to the next section

    refused = client.post(
        "/manage/reports/complaints/2025/governance",
        data={
            "member_responsible": "",
            "meeting": "Cabinet",
            "meeting_on": ["31", "2", "2026"],
            "governance_response": "Noted.",
        },
    )
    summary = error_summary(refused)
    assert "Enter the name of the Member Responsible for Complaints" in summary
    assert "The date of the meeting must be a real date" in summary
    client.post(
        "/manage/reports/complaints/2025/governance",
        data={
            "member_responsible": MEMBER,
            "meeting": "Scrutiny committee",
            "meeting_on": ["10", "6", "2026"],
            "governance_response": GOVERNANCE_RESPONSE,
        },
    )
    client.post(
        "/manage/reports/complaints/2025/ombudsman-letter",
        data={
            "received": "14",
            "decided": "12",
            "upheld": "7",
            "uphold_rate": "58",
            "compliance_rate": "100",
            "note": "Similar councils upheld 64%.",
        },
    )
    refused = client.post("/manage/reports/complaints/2025/ombudsman-letter", data={"received": "lots"})
    assert "The number received must be a whole number" in error_summary(refused)
    client.post(
        "/manage/reports/complaints/2025/findings",
        data={"found": "Found Quillfeather: a response went late.", "council_action": "Action Wimbleton: reminders."},
    )
    client.post("/manage/reports/complaints/2025/analysis", data={"analysis": "Analysis Marchbank.\n\nSecond part."})
    auth.sign_out()

    with app.app_context():
        pack = governance.pack_for(YEAR)
        assert governance.assessments_of(pack)["definitions"].compliance == "partly_met"
        assert pack.member_responsible == MEMBER and pack.meeting_on == date(2026, 6, 10)
        assert pack.ombudsman_uphold_rate == 58
        assert [finding.found for finding in pack.findings] == ["Found Quillfeather: a response went late."]
        finding_id = pack.findings[0].id
        missing = governance.missing(pack)
    assert [gap.section for gap in missing] == list(SECTION_KEYS[1:])

    auth.sign_in(manager)
    assert client.post(f"/manage/reports/complaints/2025/findings/{finding_id}/remove").status_code == 302
    assert client.post(f"/manage/reports/complaints/2025/findings/{finding_id}/remove").status_code == 404
    with app.app_context():
        assert governance.pack_for(YEAR).findings == []


# --- the published pack is frozen -------------------------------------------------------------


def full_pack(app, manager):
    prepare(app, manager)
    with app.app_context():
        actor = get_user(manager)
        governance.save_ombudsman_letter(
            actor,
            YEAR,
            received=14,
            decided=12,
            upheld=7,
            uphold_rate=58,
            compliance_rate=100,
            note="Letter note Ashdown.",
        )
        governance.add_finding(actor, YEAR, found="Found Quillfeather.", council_action="Action Wimbleton.")
        governance.save_analysis(actor, YEAR, "Analysis Marchbank.")
        db.session.commit()


def test_the_published_page_and_pdf_show_the_pack(app, client, auth, manager):
    full_pack(app, manager)
    assert publish(client, auth, manager).status_code == 302

    response = client.get("/reports/complaints?year=2025")
    shown = tables(response)
    assert shown["Compliance with each section of the Code"][SECTION_LABELS["stage_1"]] == ["Partly met"]
    assert shown["Compliance with each section of the Code"][SECTION_LABELS["definitions"]] == ["Met"]
    assert shown["The Ombudsman's figures for the year"]["Uphold rate (%)"] == ["58%"]
    assert shown["Findings of non-compliance with the Code"]["Found Quillfeather."] == ["Action Wimbleton."]
    text = page(response).text
    for expected in (
        MEMBER,
        GOVERNANCE_RESPONSE,
        "Analysis Marchbank.",
        "Letter note Ashdown.",
        "Train every caseworker by June.",
    ):
        assert expected in text, expected

    pdf = report_pdf_text(client.get("/reports/complaints/2025.pdf"))
    for expected in (
        "Self-assessment against the Code",
        "Section 6: Complaint stages: stage 1: partly met",
        "The Ombudsman's annual letter",
        "Uphold rate (%) 58%",
        "Findings of non-compliance",
        "Found Quillfeather.",
        "Governance response",
        f"Member Responsible for Complaints {MEMBER}",
        GOVERNANCE_RESPONSE,
        "Equality monitoring",
    ):
        assert expected in pdf, expected
    csv = client.get("/reports/complaints.csv?year=2025").get_data(as_text=True)
    assert "Self-assessment,Compliance with the Code,Section 6: Complaint stages: stage 1,Partly met" in csv
    assert "Ombudsman's annual letter,Uphold rate (%),,58" in csv


def test_the_pack_is_not_on_the_provisional_page_but_managers_can_preview_it(app, client, auth, manager):
    auth.sign_in(manager)
    assert client.get("/manage/reports/complaints/2025/preview").location.endswith("/manage/reports/complaints/2025")
    auth.sign_out()
    full_pack(app, manager)
    text = page(client.get("/reports/complaints?year=2025")).text
    assert "These figures are provisional" in text
    assert GOVERNANCE_RESPONSE not in text and "Self-assessment against the Code" not in text
    auth.sign_in(manager)
    assert 'href="/manage/reports/complaints/2025/preview"' in client.get("/manage/reports/complaints/2025").get_data(
        as_text=True
    )
    preview = page(client.get("/manage/reports/complaints/2025/preview")).text
    assert GOVERNANCE_RESPONSE in preview and "Self-assessment against the Code" in preview
    with app.app_context():
        assert not documents.versions(documents.COMPLAINTS_REPORT, "2025")  # nothing published


def test_editing_the_pack_after_publishing_changes_nothing_until_a_correction(app, client, auth, manager):
    full_pack(app, manager)
    publish(client, auth, manager)
    before_pdf = client.get("/reports/complaints/2025.pdf").get_data()
    with app.app_context():
        governance.save_governance(
            get_user(manager),
            YEAR,
            member_responsible="Councillor Newname Brightwater",
            meeting="Scrutiny committee",
            meeting_on=date(2026, 7, 1),
            governance_response="Response Thistledown, after the correction.",
        )
        db.session.commit()
    text = page(client.get("/reports/complaints?year=2025")).text
    assert GOVERNANCE_RESPONSE in text and "Response Thistledown" not in text
    assert client.get("/reports/complaints/2025.pdf").get_data() == before_pdf

    assert publish(client, auth, manager, note="The governance response after scrutiny.").status_code == 302
    latest = page(client.get("/reports/complaints?year=2025")).text
    assert "Response Thistledown, after the correction." in latest and "Councillor Newname Brightwater" in latest
    first = page(client.get("/reports/complaints/2025/versions/1")).text
    assert GOVERNANCE_RESPONSE in first and "Response Thistledown" not in first
    assert "Response Thistledown" in report_pdf_text(client.get("/reports/complaints/2025.pdf"))


# --- the Local Offer comments summary ---------------------------------------------------------


def in_year(month: int, day: int = 10) -> datetime:
    return datetime(2025 if month >= 4 else 2026, month, day, 12, tzinfo=LONDON)


@pytest.fixture
def local_offer_comments(app, users):
    """Feedback and consultation answers in 2025-26 and outside it, about the Local Offer and not."""
    parent = users.make(roles.PARENT)
    with app.app_context():
        offer = category_id("The Local Offer website", "Commissioning")
        transport = category_id("Home-to-school transport", "Travel Assist")
        theme = LearningTheme(name="Information and the Local Offer")
        other_theme = LearningTheme(name="Communication")
        db.session.add_all([theme, other_theme])
        db.session.commit()
        new_case(
            category=offer,
            kind="suggestion",
            received_at=in_year(5),
            what_happened="Said Pemberton: put phone numbers first.",
        )
        new_case(
            category=offer, kind="complaint", received_at=in_year(2), what_happened="Said Oakhurst: the search fails."
        )
        new_case(
            category=offer, kind="compliment", received_at=datetime(2025, 3, 30, 12, tzinfo=LONDON)
        )  # the year before
        themed = new_case(category=transport, kind="complaint", received_at=in_year(9), what_happened="Said Larchmont.")
        new_case(category=transport, kind="complaint", received_at=in_year(10), what_happened="Said Farthingale.")
        outcome = CaseOutcome(case_id=get_case(themed).id, stage=1, outcome="upheld", summary="Answered.")
        outcome.themes = [theme]
        other = CaseOutcome(case_id=get_case(themed).id, stage=1, outcome="upheld", summary="Answered again.")
        other.themes = [theme, other_theme]  # counted once
        db.session.add_all([outcome, other])

        consultation = make_consultation(title="The Local Offer website", state=m.CLOSED)
        question = consultation.questions[0]
        response = m.Response(consultation_id=consultation.id, author_id=parent.id, submitted_at=in_year(11))
        db.session.add(response)
        db.session.flush()
        tagged = m.Answer(response_id=response.id, question_id=question.id, text="Said Hollowbrook: more in easy read.")
        tagged.themes = [theme]
        untagged = m.Answer(response_id=response.id, question_id=consultation.questions[1].id, text="Said Ravensworth.")
        untagged.themes = [other_theme]
        db.session.add_all([tagged, untagged])
        db.session.commit()
        return {"category": offer, "theme": theme.id}


def test_the_local_offer_summary_counts_only_comments_about_the_local_offer(
    app, client, auth, manager, local_offer_comments
):
    with app.app_context():
        scope = local_offer.scope_of(None)
        assert scope == local_offer.Scope(local_offer_comments["category"], local_offer_comments["theme"])
        counted = local_offer.comments_counted(YEAR, scope)
        assert {count.label: count.value for count in counted.feedback} == {
            "Complaints": 2,
            "Compliments": 0,
            "Suggestions": 1,
            "Questions": 0,
        }
        assert [(count.label, count.value) for count in counted.consultations] == [("The Local Offer website", 1)]
        assert counted.total == 4

    auth.sign_in(manager)
    text = page(client.get("/manage/reports/local-offer/2025")).text
    for said in ("Said Pemberton", "Said Oakhurst", "Said Larchmont", "Said Hollowbrook"):
        assert said in text, said
    for not_about_it in ("Said Farthingale", "Said Ravensworth", "Family ", "CAN-2025-"):
        assert not_about_it not in text, not_about_it
    assert not re.search(r"family\d+@example\.org", text)


def test_the_local_offer_summary_is_published_and_frozen(app, client, auth, manager, local_offer_comments):
    auth.sign_in(manager)
    path = "/manage/reports/local-offer/2025"
    form = {
        "category_id": str(local_offer_comments["category"]),
        "theme_id": str(local_offer_comments["theme"]),
        "said": "Summary Bellweather.",
        "response": "",
        "publish": "Save and publish",
    }
    refused = client.post(path, data=form)
    assert refused.status_code == 200 and "Enter the council's response" in error_summary(refused)
    assert "Summary Bellweather." in refused.get_data(as_text=True)
    assert client.post(path, data={**form, "response": "Response Cranberry."}).status_code == 302
    auth.sign_out()

    assert 'href="/reports/local-offer/2025"' in client.get("/reports/local-offer").get_data(as_text=True)
    assert 'href="/reports/local-offer"' in client.get("/reports/complaints").get_data(as_text=True)
    published = client.get("/reports/local-offer/2025")
    shown = tables(published)
    assert shown["Feedback about the Local Offer, by kind"]["Complaints"] == ["2"]
    assert shown["Feedback about the Local Offer, by kind"]["Total"] == ["3"]
    assert shown["Consultation answers about the Local Offer, by consultation"]["The Local Offer website"] == ["1"]
    assert "Response Cranberry." in page(published).text
    assert "Said Pemberton" not in published.get_data(as_text=True)  # what people wrote stays with the managers
    pdf = client.get("/reports/local-offer/2025.pdf")
    assert pdf.headers["Content-Disposition"] == "attachment; filename=local-offer-comments-2025-26.pdf"
    text = report_pdf_text(pdf)
    assert "Comments about the Local Offer: April 2025 to March 2026" in text and "Response Cranberry." in text
    assert PdfReader(io.BytesIO(pdf.get_data())).trailer["/Root"]["/MarkInfo"]["/Marked"]

    # More comments and a new draft change nothing published until a correction is published.
    with app.app_context():
        new_case(category=local_offer_comments["category"], kind="question", received_at=in_year(12))
        local_offer.save(
            get_user(manager),
            YEAR,
            category_id=local_offer_comments["category"],
            theme_id=local_offer_comments["theme"],
            said=None,
            response="Response Dovecote.",
        )
        db.session.commit()
    assert tables(client.get("/reports/local-offer/2025")) == shown
    auth.sign_in(manager)
    refused = client.post(path, data={**form, "response": "Response Dovecote."})
    assert "Enter what this correction changes" in error_summary(refused)
    client.post(path, data={**form, "response": "Response Dovecote.", "note": "Counted a late question."})
    auth.sign_out()
    latest = client.get("/reports/local-offer/2025")
    assert tables(latest)["Feedback about the Local Offer, by kind"]["Questions"] == ["1"]
    assert "Response Dovecote." in page(latest).text and "Counted a late question." in page(latest).text
    assert "Response Cranberry." in page(client.get("/reports/local-offer/2025/versions/1")).text
    with app.app_context():
        assert [row.version for row in documents.versions(documents.LOCAL_OFFER_SUMMARY, "2025")] == [2, 1]


def test_a_local_offer_summary_that_is_not_published_is_not_found(client):
    assert client.get("/reports/local-offer/2025").status_code == 404
    assert client.get("/reports/local-offer/2025.pdf").status_code == 404
    assert "No summary has been published yet." in page(client.get("/reports/local-offer")).text


# --- the public pages are cached, and show a publication at once -------------------------------


@pytest.fixture
def cached(app):
    app.config["PAGE_CACHE"] = True
    app.extensions["page_cache"].clear()
    return app


def test_publishing_a_summary_and_a_correction_show_at_once_on_the_cached_pages(cached, manager, local_offer_comments):
    anonymous = cached.test_client()
    listed = page(anonymous.get("/reports/local-offer")).text
    assert anonymous.get("/reports/local-offer").headers.get("ETag")  # served as a public page
    with cached.test_request_context():
        actor = get_user(manager)
        local_offer.save(
            actor,
            YEAR,
            category_id=local_offer_comments["category"],
            theme_id=None,
            said=None,
            response="Response Gooseberry.",
        )
        local_offer.publish(actor, YEAR, date(2026, 5, 1))
        db.session.commit()
    assert page(anonymous.get("/reports/local-offer")).text != listed
    assert "Response Gooseberry." in page(anonymous.get("/reports/local-offer/2025")).text
    with cached.test_request_context():
        actor = get_user(manager)
        local_offer.save(
            actor,
            YEAR,
            category_id=local_offer_comments["category"],
            theme_id=None,
            said=None,
            response="Response Elderflower.",
        )
        local_offer.publish(actor, YEAR, date(2026, 5, 1), note="A better response.")
        db.session.commit()
    assert "Response Elderflower." in page(anonymous.get("/reports/local-offer/2025")).text


def test_publishing_the_annual_report_with_its_pack_shows_at_once_on_the_cached_page(cached, manager):
    anonymous = cached.test_client()
    assert "These figures are provisional" in page(anonymous.get("/reports/complaints?year=2025")).text
    prepare(cached, manager)
    with cached.test_request_context():
        from portal.reports import annual

        annual.publish(get_user(manager), YEAR, date(2026, 5, 1))
        db.session.commit()
    assert GOVERNANCE_RESPONSE in page(anonymous.get("/reports/complaints?year=2025")).text
