"""You Said, We Did, the termly update and the annual complaints report in a real browser.

A manager writes an entry (with a mistake on the way), saves it as a draft, publishes it and
moves its action on; a member of the public, on a phone, finds it on the public page, on its
own page with its dated history, and in the Atom feed. The manager then writes and publishes
the term's update, and the public reads it and downloads it as a PDF. Anyone can read the
complaints report for a year they choose, on a phone or a desktop.

Every page visited is checked with axe (see conftest.py), charts included.
"""

import re
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from portal.core.terms import term_of
from portal.core.time import format_day, london_today, utcnow
from portal.reports import periods
from tests.factories import get_user, make_user
from tests.test_reports_complaints import year_2025
from tests.test_yousaid_entries import make_case, make_theme

pytestmark = pytest.mark.browser

ATOM = "{http://www.w3.org/2005/Atom}"
THEME = "Keeping families informed"
TITLE = "A named contact for every family"
YOU_SAID = "Families told us they did not know who to call about their child's assessment."
WE_DID = "Every family now has a named caseworker, and their phone number is on every letter."
OWNER = "Head of SENAR"
NOTE = "Four more caseworkers started in the North and East teams."


def heading(page):
    return page.get_by_role("heading", level=1)


def banner(page):
    return page.locator(".govuk-notification-banner")


def summary_value(scope, key: str):
    """The value beside ``key`` in a GOV.UK summary list."""
    page = getattr(scope, "page", scope)  # a Locator knows its page; a Page is its own
    exactly = re.compile(rf"^\s*{re.escape(key)}\s*$")
    row = scope.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=exactly)
    )
    return row.locator(".govuk-summary-list__value")


def nav_link(page, name: str):
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


@pytest.fixture
def evidence(live_server):
    """A learning theme, and feedback received this term whose outcomes carry it: two
    complaints and a compliment, so that the evidence counts are not all nought."""
    app = live_server.app
    theme_id = make_theme(app, THEME)
    received = max(utcnow() - timedelta(minutes=5), term_of(london_today()).starts_at)
    cases = [
        make_case(app, received_at=received, outcomes=[[theme_id]]),
        make_case(app, received_at=received, outcomes=[[theme_id], [theme_id]]),  # both stages: counted once
        make_case(app, kind="compliment", received_at=received, outcomes=[[theme_id]]),
    ]
    return {"theme_id": theme_id, "references": [reference for _, reference in cases]}


def test_a_manager_publishes_an_entry_and_the_termly_update_and_the_public_reads_them(
    visitor, phone_visitor, live_server, evidence
):
    manager = live_server.make_user(roles.MANAGER, name="Morgan Manager", email="morgan.manager@example.org")
    term = term_of(london_today())
    days = {format_day(london_today())}
    page = visitor.page

    # --- The manager writes an entry, forgetting who owns the action. ---------------------
    visitor.sign_in(manager.email, manager.password)
    visitor.click(nav_link(page, "You said, we did"))
    expect(heading(page)).to_have_text("Manage You said, we did")
    expect(page).to_have_url(re.compile(r"/manage/you-said-we-did$"))
    visitor.click(page.get_by_role("button", name="Write an entry"))
    expect(heading(page)).to_have_text("Write an entry")
    expect(page.get_by_label("Term")).to_have_value(term.slug)  # the current term, chosen already
    page.get_by_label("Learning theme").select_option(label=THEME)
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("You said").fill(YOU_SAID)
    page.get_by_label("We did").fill(WE_DID)
    visitor.submit("Save draft")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter who owns the action")
    expect(page.get_by_label("Title")).to_have_value(TITLE)
    expect(page.get_by_label("You said")).to_have_value(YOU_SAID)
    expect(page.get_by_label("We did")).to_have_value(WE_DID)
    expect(page.get_by_label("Learning theme")).to_have_value(str(evidence["theme_id"]))
    expect(page.get_by_label("Term")).to_have_value(term.slug)
    summary.get_by_role("link", name="Enter who owns the action").click()
    expect(page.get_by_label("Who owns the action?")).to_be_focused()
    page.get_by_label("Who owns the action?").fill(OWNER)
    visitor.submit("Save draft")
    expect(banner(page)).to_contain_text("Draft saved")
    expect(heading(page)).to_have_text(TITLE)
    expect(summary_value(page, "State")).to_contain_text("Draft")
    # The evidence for the theme this term, counted from the data.
    expect(summary_value(page, "Complaints")).to_have_text("2")
    expect(summary_value(page, "Compliments")).to_have_text("1")
    expect(summary_value(page, "Suggestions")).to_have_text("0")
    expect(page.get_by_text("families sent 2 complaints, 1 compliment and 0 suggestions")).to_be_visible()
    entry_path = re.search(r"/manage/you-said-we-did/(\d+)$", page.url)
    assert entry_path, page.url
    entry_id = int(entry_path.group(1))

    # Two of the complaints are linked to it as evidence.
    visitor.follow("Change the evidence linked")
    expect(heading(page)).to_have_text("Evidence for the entry")
    page.get_by_label("Case references (optional)").fill("\n".join(evidence["references"][:2]))
    visitor.submit("Save evidence")
    expect(banner(page)).to_contain_text("Evidence saved.")
    expect(summary_value(page, "Evidence linked")).to_have_text("0 consultations, 2 cases")

    # --- The public cannot see a draft. -----------------------------------------------------
    public = phone_visitor
    public.goto("/you-said-we-did")
    expect(heading(public.page)).to_have_text("You said, we did")
    expect(public.page.get_by_text("Nothing has been published yet")).to_be_visible()
    expect(public.page.get_by_role("main")).not_to_contain_text(TITLE)

    # --- The manager publishes it, then moves the action on. --------------------------------
    visitor.submit("Publish")
    expect(banner(page)).to_contain_text("Published. It is now on the public You Said, We Did page.")
    expect(summary_value(page, "State")).to_contain_text("Published on")
    visitor.follow("Change the status of the action")
    expect(heading(page)).to_have_text("Change the status of the action")
    page.get_by_label("In progress").check()
    page.get_by_label("What changed? (optional)").fill(NOTE)
    visitor.submit("Save status")
    expect(banner(page)).to_contain_text(
        "The action is now in progress. The change is in the entry\u2019s public history."
    )
    expect(summary_value(page, "Action")).to_contain_text("In progress")
    days.add(format_day(london_today()))

    # --- The public reads it: the page, the entry with its history, the feed. ---------------
    public.goto("/you-said-we-did")
    card = public.page.locator(".govuk-summary-card").filter(has_text=TITLE)
    expect(card).to_have_count(1)
    expect(public.page.get_by_role("heading", level=2, name=term.label)).to_be_visible()
    expect(public.page.get_by_role("heading", level=3, name=THEME)).to_be_visible()
    expect(summary_value(card, "You said")).to_have_text(YOU_SAID)
    expect(summary_value(card, "Evidence")).to_contain_text(
        "families sent 2 complaints, 1 compliment and 0 suggestions, and gave 0 consultation answers"
    )
    expect(summary_value(card, "We did")).to_have_text(WE_DID)
    expect(summary_value(card, "Status")).to_have_text("In progress")

    public.click(card.get_by_role("link", name=TITLE))
    expect(public.page).to_have_url(re.compile(rf"/you-said-we-did/{entry_id}$"))
    expect(heading(public.page)).to_have_text(TITLE)
    expect(summary_value(public.page, "Complaints")).to_have_text("2")
    expect(summary_value(public.page, "Compliments")).to_have_text("1")
    expect(summary_value(public.page, "Who owns it")).to_have_text(OWNER)
    expect(public.page.get_by_text("2 pieces of feedback are linked to this entry as evidence.")).to_be_visible()
    expect(public.page.get_by_role("main")).not_to_contain_text(evidence["references"][0])
    history_list = public.page.get_by_role("heading", name="History").locator("xpath=following-sibling::ol[1]")
    history = history_list.get_by_role("listitem")
    expect(history).to_have_count(2)  # newest first
    expect(history.nth(0)).to_contain_text("the action is now in progress.")
    expect(history.nth(0)).to_contain_text(NOTE)
    expect(history.nth(1)).to_contain_text("published, with the action planned.")
    for item in (history.nth(0), history.nth(1)):
        assert item.locator("time").inner_text() in days
        expect(item.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-\d{2}-\d{2}T"))

    feed = public.page.request.get(live_server.url("/you-said-we-did/feed.atom"))
    assert feed.ok
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.body())
    items = [item for item in root.findall(f"{ATOM}entry") if item.findtext(f"{ATOM}title") == TITLE]
    assert len(items) == 1, feed.text()
    links = [link.get("href") for link in items[0].findall(f"{ATOM}link")]
    assert live_server.url(f"/you-said-we-did/{entry_id}") in links
    assert "In progress" in items[0].findtext(f"{ATOM}content")

    # --- The manager writes and publishes the term's update. --------------------------------
    visitor.click(nav_link(page, "Termly updates"))
    expect(heading(page)).to_have_text("Manage termly updates")
    visitor.follow(f"Write the update for the {term.label.lower()}")
    expect(heading(page)).to_have_text(term.label)
    expect(summary_value(page, "State")).to_have_text("Not started.")
    intro = "A busy term. More families had a named contact, but too many complaints were answered late."
    priorities = "Answer every stage 1 complaint within 10 working days.\n\nRebuild the Local Offer with families."
    page.get_by_label("Introduction").fill(intro)
    page.get_by_label("Priorities for next term").fill(priorities)
    visitor.submit("Save draft")
    expect(banner(page)).to_contain_text("Draft saved.")
    expect(summary_value(page, "State")).to_have_text("Draft: only managers can see it.")
    assert public.page.request.get(live_server.url(f"/updates/{term.slug}")).status == 404
    visitor.follow("Preview the whole page as the public will see it")
    expect(banner(page)).to_contain_text("This is a preview of a draft: the public cannot see it yet.")
    expect(page.get_by_role("main")).to_contain_text(intro)
    expect(page.locator("#you-said-we-did ~ .twc-update-entry").get_by_role("heading", name=TITLE)).to_be_visible()
    visitor.follow("Change or publish the update")
    expect(page.get_by_label("Introduction")).to_have_value(intro)
    visitor.submit("Publish")
    expect(banner(page)).to_contain_text("Published. The update is now on the public page")
    expect(summary_value(page, "State")).to_contain_text("Published on")

    # --- The public reads it, and downloads it as a PDF. ------------------------------------
    public.goto("/updates")
    expect(heading(public.page)).to_have_text("Termly updates")
    public.follow(term.label)
    expect(public.page).to_have_url(re.compile(rf"/updates/{term.slug}$"))
    expect(heading(public.page)).to_have_text(f"Termly update: {term.label}")
    main = public.page.get_by_role("main")
    expect(main).to_contain_text(intro)
    entries = public.page.locator("#you-said-we-did ~ .twc-update-entry")
    expect(entries).to_have_count(1)
    expect(entries.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(entries).to_contain_text(YOU_SAID)
    expect(entries).to_contain_text(WE_DID)
    expect(
        public.page.get_by_role("heading", name=f"Our priorities for next term ({term.next().label})")
    ).to_be_visible()
    expect(main).to_contain_text("Answer every stage 1 complaint within 10 working days.")
    expect(main).to_contain_text("Rebuild the Local Offer with families.")

    pdf_link = public.page.get_by_role("link", name=re.compile(r"^Download this update as a PDF"))
    with public.page.expect_download() as download_info:
        pdf_link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = public.page.request.get(live_server.url(pdf_link.get_attribute("href")))
    assert pdf.ok
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")


@pytest.mark.parametrize("who", ["visitor", "phone_visitor"])
def test_anyone_reads_the_complaints_report_for_the_year_they_choose(who, request, live_server):
    with live_server.app.app_context():
        caseworker = make_user(roles.CASEWORKER, name="Casey Worker", team="SENAR North")
        year_2025(get_user(caseworker))
    visitor = request.getfixturevalue(who)
    page = visitor.page
    current = periods.current_year()
    chosen = periods.FinancialYear(2025)

    visitor.goto("/reports/complaints")
    expect(heading(page)).to_have_text("Annual complaints performance report")
    expect(page.locator(".govuk-caption-l")).to_have_text(current.label)

    chooser = page.get_by_label("Year (1 April to 31 March)")
    expect(chooser.locator("option")).to_contain_text([current.label, chosen.label])
    chooser.select_option(label=chosen.label)
    visitor.submit("Show this year")
    expect(page).to_have_url(re.compile(r"/reports/complaints\?year=2025$"))
    expect(page.locator(".govuk-caption-l")).to_have_text(chosen.label)
    expect(page.get_by_label("Year (1 April to 31 March)")).to_have_value("2025")
    expect(page.get_by_text("These figures cover the whole year, to 31 March 2026.")).to_be_visible()

    # The figures worked out by hand in tests/test_reports_complaints.py (YEAR_2025).
    expect(summary_value(page, "Complaints received")).to_have_text("12")
    expect(summary_value(page, "Complaints taken out of the procedure")).to_have_text("2")
    expect(summary_value(page, "Stage 2 reviews asked for")).to_have_text("2")
    expect(summary_value(page, "Stage 1 responses sent by the deadline")).to_have_text("4 of 6 (67%)")
    # Each chart is drawn, with its numbers in a table below it.
    chart = page.locator("#received-by-category")
    expect(chart.locator(".twc-bar-chart[role=img]")).to_be_visible()
    expect(chart.get_by_role("img")).to_have_accessible_name(
        re.compile(r"^Bar chart: Complaints received, by category")
    )
    expect(chart.get_by_role("row", name=re.compile(r"^Home-to-school transport"))).to_contain_text("5")
    expect(page.locator("#outcomes-stage-1").get_by_role("row", name=re.compile(r"^Not upheld"))).to_contain_text(
        "3 (50%)"
    )

    csv_link = page.get_by_role("link", name="Download these figures as a spreadsheet (CSV)")
    expect(csv_link).to_have_attribute("href", re.compile(r"/reports/complaints\.csv\?year=2025$"))
    csv = page.request.get(live_server.url(csv_link.get_attribute("href")))
    assert csv.ok
    assert csv.headers["content-type"].startswith("text/csv")
    assert "complaints-report-2025-26.csv" in csv.headers["content-disposition"]
    lines = csv.text().lstrip("\ufeff").splitlines()
    assert lines[0] == "Period,Section,Measure,Breakdown,Value"
    assert all(line.startswith(chosen.label) for line in lines[1:])
