"""A manager reads the list of held email in a real browser, on the demo data: how they get
there, what each row says, and the case it links to. Every page visited is checked with axe
(see conftest.py)."""

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.feedback import inbound_mail, reply_address
from portal.feedback.models import Case
from tests import demo_rows
from tests.demo_rows import DEMO_PASSWORD

pytestmark = pytest.mark.browser


def _email(to: str, sender: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="mail.example.org")
    message.set_content("Please add this to the case.")
    return message.as_bytes()


@pytest.fixture
def held(live_server, demo_snapshot):
    """Two emails held for staff, received through the real path: one from a stranger to a
    demo case's reply address, one with a made-up address."""
    app = live_server.app
    with app.test_request_context():
        demo_rows.restore(demo_snapshot)
        case = db.session.scalar(db.select(Case).where(Case.submission_key == "demo-05"))
        address = reply_address.address_for("cases@council.example", case.id)
        for raw in (
            _email(address, "Someone Else <someone@else.example>", "About my neighbour's case"),
            _email("cases+1.20260101.aaaaaaaaaaaaaaaaaaaa@council.example", "jo@example.org", "Hello"),
        ):
            inbound_mail.receive(inbound_mail.Fetched(raw))
        db.session.commit()
        return case.reference


def test_manager_sees_held_email_and_opens_its_case(visitor, held):
    page = visitor.page
    visitor.sign_in("manager@example.org", DEMO_PASSWORD)
    visitor.click(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Manage cases"))
    visitor.click(page.get_by_role("navigation", name="Managing cases").get_by_role("link", name="Held email"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Held email")
    table = page.get_by_role("table")
    expect(table.locator("caption")).to_have_text("2 emails held")
    stranger = table.get_by_role("row").filter(has_text="someone@else.example")
    expect(stranger).to_contain_text("About my neighbour's case")
    expect(stranger).to_contain_text("Not from the case's contact email")
    expect(table.get_by_role("row").filter(has_text="Hello")).to_contain_text(
        "The case address is not one the portal made"
    )
    visitor.click(stranger.get_by_role("link", name=held))
    expect(page.get_by_role("heading", level=1)).to_contain_text(held)
