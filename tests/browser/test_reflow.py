"""Reflow (WCAG 2.2 AA 1.4.10): at 320 CSS pixels wide, the width of a phone or of a desktop
browser zoomed to 400%, every list and report reads without the page scrolling sideways.

Lists of cases, consultations and posts show each row as a card with its column headings; a
table of figures too wide to fit scrolls inside its own region, named by its caption, that a
keyboard can reach. Chart labels are in the page's font at body size at every width. From the
desktop breakpoint the lists are tables again.

Every page visited is checked with axe (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts.models import User
from portal.consultations import models as m
from portal.extensions import db
from portal.feedback.models import Category
from portal.reports.models import TermlyUpdate
from tests import demo_rows
from tests.browser.conftest import _visitor
from tests.casework_helpers import submit_case
from tests.consultation_helpers import make_consultation
from tests.demo_rows import DEMO_PASSWORD

pytestmark = pytest.mark.browser

NARROW = 320
PHONE = 375
DESKTOP = 1280
LONG_CHILD = "Maximilian Bartholomew Featherstonehaugh-Wolstenholme"
LONG_TITLE = "Short breaks, respite care and activities for disabled children during the school holidays"

# Every element drawn beyond the right or left edge of the window, except where an ancestor
# that fits clips it (visually hidden text) or it is inside a region of its own that scrolls.
OUTSIDE_THE_WINDOW = """() => {
  const width = document.documentElement.clientWidth;
  const inside = (box) => box.left >= -0.5 && box.right <= width + 0.5;
  const clipped = (element) => {
    for (let parent = element.parentElement; parent && parent !== document.body; parent = parent.parentElement) {
      if (parent.classList.contains("twc-scroll-region")) return true;
      const overflow = getComputedStyle(parent).overflowX;
      if ((overflow === "hidden" || overflow === "clip") && inside(parent.getBoundingClientRect())) return true;
    }
    return false;
  };
  const found = [];
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || inside(box) || clipped(element)) continue;
    const table = element.closest("table");
    const where = table && table.caption ? ` in "${table.caption.textContent.trim()}"` : "";
    found.push(`${element.tagName.toLowerCase()}.${element.className}${where} (${Math.round(box.left)} to ${Math.round(box.right)})`);
  }
  return found;
}"""

SCROLL_REGIONS = """() => [...document.querySelectorAll(".twc-scroll-region")].map((region) => {
  const label = document.getElementById(region.getAttribute("aria-labelledby") || "");
  return {
    role: region.getAttribute("role"),
    tabindex: region.getAttribute("tabindex"),
    label: label ? label.textContent.trim() : null,
    scrolls: getComputedStyle(region).overflowX,
    holds_table: !!region.querySelector("table"),
  };
})"""


@pytest.fixture
def narrow_visitor(browser, live_server, request):
    """A window 320 CSS pixels wide: a small phone, or a desktop browser at 400%."""
    yield from _visitor(browser, live_server, request, viewport={"width": NARROW, "height": 640})


@pytest.fixture
def data(live_server, demo_snapshot):
    """The demo, with a case and a consultation whose words are long."""
    app = live_server.app
    with app.app_context():
        demo_rows.restore(demo_snapshot)
        category = db.session.scalar(
            db.select(Category).where(Category.name == "Speech and language and other therapies")
        )
        parent = db.session.scalar(db.select(User).where(User.email == "parent@example.org"))
        reference = submit_case(
            app,
            category.id,
            user=parent,
            contact_name="Priya Shah",
            contact_email="parent@example.org",
            child_name=LONG_CHILD,
            child_setting="Riverside Community Primary School and Nursery",
        )
        make_consultation(title=LONG_TITLE, state=m.OPEN)
        consultations = [c.id for c in db.session.scalars(db.select(m.Consultation).order_by(m.Consultation.id))]
        term = db.session.scalar(db.select(TermlyUpdate.term).where(TermlyUpdate.published_at.is_not(None)))
        db.session.commit()
    return {"reference": reference, "consultations": consultations, "term": term}


def assert_fits(page, width: int = NARROW) -> None:
    """Nothing is wider than the window, except inside a labelled region that scrolls."""
    outside = page.evaluate(OUTSIDE_THE_WINDOW)
    assert not outside, f"{page.url} is wider than {width}px: {outside[:5]}"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for region in page.evaluate(SCROLL_REGIONS):
        assert region["role"] == "region" and region["tabindex"] == "0", region
        assert region["label"] and region["scrolls"] == "auto" and region["holds_table"], region


def cards(page):
    """The rows of the lists, shown as cards below the desktop breakpoint."""
    return page.locator(".twc-stacked-table tbody tr")


def heading_shown(cell) -> str | None:
    """The column heading a card shows above this value (drawn by the style sheet), or None."""
    return cell.evaluate(
        """cell => {
          const before = getComputedStyle(cell, "::before");
          if (before.display === "none" || before.content === "none" || !cell.dataset.label) return null;
          return cell.dataset.label;
        }"""
    )


def assert_each_value_has_its_heading(page) -> None:
    """In every card, each value (besides the title) is shown under its column's heading."""
    table = page.locator(".twc-stacked-table").first
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    cells = table.locator("tbody tr").first.locator("td[data-label]")
    assert cells.count() >= 2
    for cell in cells.all():
        assert heading_shown(cell) in headings
    expect(table.locator("thead")).not_to_be_in_viewport()  # read by screen readers, not shown


def sign_in(visitor, email: str) -> None:
    visitor.page.context.clear_cookies()
    visitor.sign_in(email, DEMO_PASSWORD)


def test_lists_become_cards_on_a_narrow_screen(narrow_visitor, data):
    page = narrow_visitor.page

    sign_in(narrow_visitor, "parent@example.org")
    narrow_visitor.goto("/my-cases")
    assert_fits(page)
    assert_each_value_has_its_heading(page)
    expect(cards(page).filter(has_text=data["reference"])).to_contain_text("Speech and language and other therapies")

    sign_in(narrow_visitor, "manager@example.org")
    for path in ("/cases?queue=open", "/manage/cases", "/manage/consultations", "/manage/consultations/moderation"):
        narrow_visitor.goto(path)
        assert_fits(page)
        assert_each_value_has_its_heading(page)
        assert cards(page).count() >= 2, f"{path} lists too few rows to test"

    narrow_visitor.goto("/cases?queue=open&q=Featherstonehaugh")
    expect(cards(page).filter(has_text=LONG_CHILD)).to_have_count(1)
    assert_fits(page)

    # The tick boxes for moving cases still work in cards.
    narrow_visitor.goto("/manage/cases?show=overdue")
    box = page.get_by_role("checkbox", name=re.compile(r"^Select CAN-")).first
    box.check()
    expect(box).to_be_checked()
    assert_fits(page)

    narrow_visitor.goto("/manage/consultations")
    expect(page.get_by_role("link", name=LONG_TITLE)).to_be_visible()


def test_a_family_sees_the_status_of_each_case_on_a_phone(phone_visitor, data):
    page = phone_visitor.page
    phone_visitor.sign_in("parent@example.org", DEMO_PASSWORD)
    phone_visitor.goto("/my-cases")
    assert_fits(page, PHONE)
    table = page.get_by_role("table", name="Feedback you have sent, newest first")
    rows = table.locator("tbody tr")
    assert rows.count() >= 3
    status_column = [text.strip() for text in table.locator("thead th").all_inner_texts()].index("Status")
    for row in rows.all():
        status = row.locator("td").nth(status_column)
        expect(status).to_be_visible()
        assert heading_shown(status) == "Status"
        box = status.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE, box
        # Still a table to a screen reader: the status is a cell under the "Status" heading,
        # which it hears from the column, not a second time from the card.
        assert status.evaluate("cell => cell.getAttribute('role')") == "cell"
        assert status.aria_snapshot() == f'- cell "{status.text_content().strip()}"'


def test_wide_figures_scroll_in_a_labelled_region(narrow_visitor, data):
    page = narrow_visitor.page
    for path, caption in (
        ("/reports/complaints", "Response deadlines extended"),
        (f"/updates/{data['term']}", "Feedback received, by category and type"),
    ):
        narrow_visitor.goto(path)
        assert_fits(page)
        region = page.get_by_role("region", name=caption)
        expect(region).to_be_visible()
        expect(region.get_by_role("table", name=caption)).to_be_visible()
        # A keyboard reaches the region and scrolls it.
        region.focus()
        expect(region).to_be_focused()
        if region.evaluate("region => region.scrollWidth > region.clientWidth"):
            page.keyboard.press("ArrowRight")
            page.wait_for_function(
                "caption => [...document.querySelectorAll('.twc-scroll-region')]"
                ".some(region => region.textContent.includes(caption) && region.scrollLeft > 0)",
                arg=caption,
            )


def chart_labels_are_readable(page) -> None:
    labels = page.locator(".twc-bar-chart__label, .twc-bar-chart__value")
    assert labels.count() >= 2, f"no chart on {page.url}"
    body_font = page.evaluate("getComputedStyle(document.querySelector('h1')).fontFamily")
    for style in labels.evaluate_all(
        "labels => labels.map(label => [getComputedStyle(label).fontFamily, getComputedStyle(label).fontSize])"
    ):
        family, size = style
        assert "times" not in family.lower() and family == body_font, family
        assert float(size.removesuffix("px")) >= 16, size
    # The words wrap; they are not shrunk or cut off with the chart.
    for label in labels.all()[:6]:
        box = label.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"] + 0.5, box


@pytest.fixture(params=[NARROW, DESKTOP], ids=["320px", "1280px"])
def sized_visitor(browser, live_server, request):
    yield from _visitor(browser, live_server, request, viewport={"width": request.param, "height": 800})


def test_chart_labels_are_in_the_page_font_at_body_size(sized_visitor, data):
    visitor = sized_visitor
    page = visitor.page
    narrow = page.viewport_size["width"] == NARROW
    for path in ("/reports/complaints", f"/updates/{data['term']}"):
        visitor.goto(path)
        chart_labels_are_readable(page)
        if narrow:
            assert_fits(page)
    visitor.sign_in("manager@example.org", DEMO_PASSWORD)
    charted = 0
    for consultation_id in data["consultations"]:
        visitor.goto(f"/manage/consultations/{consultation_id}/results")
        if narrow:
            assert_fits(page)
        if page.locator(".twc-bar-chart").count():
            charted += 1
            chart_labels_are_readable(page)
            expect(page.locator(".twc-bar-chart").first).to_have_accessible_name(
                re.compile(r"^Bar chart of the answers to")
            )
    assert charted, "no consultation with a chart"


def test_lists_fit_at_every_width_and_are_tables_on_a_desktop(visitor, data):
    page = visitor.page
    visitor.sign_in("manager@example.org", DEMO_PASSWORD)
    for path in ("/cases?queue=open", "/manage/cases", "/manage/consultations", "/manage/consultations/moderation"):
        page.set_viewport_size({"width": DESKTOP, "height": 800})
        visitor.goto(path)
        table = page.locator(".twc-stacked-table").first
        expect(table.locator("thead")).to_be_visible()
        assert table.evaluate("table => getComputedStyle(table).display") == "table"
        assert heading_shown(table.locator("td[data-label]").first) is None
        # Between a phone and a desktop (or a desktop zoomed to 150% or 200%) they fit too.
        for width in (DESKTOP, 900, 769, 641):
            page.set_viewport_size({"width": width, "height": 800})
            assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{path} at {width}px"
