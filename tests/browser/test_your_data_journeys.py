"""A parent downloads their data in a real browser: from Your account to the download page,
and a ZIP they can open, whose readable document holds their own case. Every page is checked
with axe (see conftest.py)."""

import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.feedback import services
from tests.browser.test_feedback_journeys import EMAIL, categories, sent_complaint  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_a_parent_downloads_their_data(visitor, live_server, sent_complaint):  # noqa: F811
    page = visitor.page
    with live_server.app.test_request_context():
        parent = live_server.make_user("parent", email=EMAIL)
        services.find_case(sent_complaint).user_id = parent.id
        db.session.commit()
    visitor.sign_in(EMAIL, parent.password)
    visitor.goto("/account")
    visitor.follow("Download your data")
    expect(page.get_by_role("heading", level=1)).to_have_text("Download your data")

    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download your data").click()
    download = downloading.value
    assert re.fullmatch(r"your-data-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    with open(download.path(), "rb") as saved:
        archive = zipfile.ZipFile(io.BytesIO(saved.read()))
    assert {"your-data.html", "your-data.json"} <= set(archive.namelist())
    document = archive.read("your-data.html").decode()
    assert sent_complaint in document and "The taxi did not come for three weeks." in document
