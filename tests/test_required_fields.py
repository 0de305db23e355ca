"""Questions a person must answer are announced as required by screen readers: each box or
radio they answer in carries aria-required="true". Optional ones do not, and say "(optional)"
in their label. The HTML ``required`` attribute is left off: the forms are checked by the
server (``novalidate``), and with it screen readers call an untouched box "invalid"."""

import lxml.html
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import RadioField, StringField
from wtforms.validators import InputRequired, Optional

from portal.accounts import roles
from portal.core.forms import DayField, PortalForm
from tests.feedback_helpers import SLUGS, answer, make_category


def controls(response) -> dict[str, list]:
    """The form's inputs, selects and text areas by their id."""
    document = lxml.html.fromstring(response.get_data(as_text=True))
    found = {}
    for element in document.xpath("//main//input|//main//select|//main//textarea"):
        if element.get("type") not in ("hidden", "submit"):
            found[element.get("id")] = element
    return found


def marked_required(element) -> bool:
    return element.get("aria-required") == "true"


def test_sign_in_marks_both_boxes_required_without_the_html_attribute(client):
    boxes = controls(client.get("/sign-in"))
    assert set(boxes) == {"email", "password"}
    for element in boxes.values():
        assert marked_required(element)
        assert element.get("required") is None
    form = lxml.html.fromstring(client.get("/sign-in").get_data(as_text=True)).xpath("//main//form")
    assert all(f.get("novalidate") is not None for f in form)


def test_each_radio_of_a_required_question_is_marked(client):
    client.post("/feedback/begin")
    boxes = controls(client.get(f"/feedback/{SLUGS['kind']}"))
    radios = [element for element in boxes.values() if element.get("type") == "radio"]
    assert len(radios) == 4
    assert all(marked_required(radio) for radio in radios)


def test_only_the_required_contact_details_are_marked(app, client):
    with app.app_context():
        category_id = make_category()
    client.post("/feedback/begin")
    for step, data in (
        ("kind", {"kind": "complaint"}),
        ("safety", {"worried": "no"}),
        ("category", {"category_id": str(category_id)}),
        ("triage", {"triage": "none"}),
        ("details", {"what_happened": "The taxi did not come.", "outcome_wanted": "A taxi."}),
        ("child", {}),
        ("who", {"speaker": "parent", "young_person_age": "no"}),
        ("reply", {"reply": "yes"}),
    ):
        assert answer(client, step, data).status_code == 302, step
    boxes = controls(client.get(f"/feedback/{SLUGS['contact']}"))
    required = {name for name, element in boxes.items() if marked_required(element)}
    assert {"contact_name", "relationship", "preferred_contact"} <= required
    assert not {"contact_email", "contact_phone"} & required

    # Questions that may be skipped are not marked, and say so in their label.
    page = client.get(f"/feedback/{SLUGS['child']}")
    child = controls(page)
    assert child and not any(marked_required(element) for element in child.values())
    assert "(optional)" in page.get_data(as_text=True)


def test_a_required_date_marks_its_three_boxes(client, auth, users):
    auth.sign_in(users.make(roles.CASEWORKER))
    boxes = controls(client.get("/cases/new"))
    for part in ("day", "month", "year"):
        assert marked_required(boxes[f"received_on-{part}"]), part
    document = lxml.html.fromstring(client.get("/cases/new").get_data(as_text=True))
    assert not document.xpath("//main//*[@required]")
    # The date of a decision letter may be left empty.
    assert not marked_required(boxes["decision_letter_date-day"])


class Sample(PortalForm):
    class Meta:
        csrf = False

    choice = RadioField(
        "Which?", choices=[("a", "A"), ("b", "B")], widget=GovRadioInput(), validators=[InputRequired()]
    )
    note = StringField("Note (optional)", widget=GovTextInput(), validators=[Optional()])
    when = DayField("When?", noun="date", required=False)


def test_what_a_page_passes_to_a_required_radio_is_kept(app):
    """Hints and revealed questions given by a template survive the marking."""
    with app.test_request_context():
        form = Sample()
        html = form.choice(
            params={"items": [{"hint": {"text": "The first"}}, {"conditional": {"html": "<p>More</p>"}}]}
        )
        note, when = form.note(), form.when()
    radios = lxml.html.fromstring(str(html)).xpath("//input[@type='radio']")
    assert [radio.get("aria-required") for radio in radios] == ["true", "true"]
    assert "The first" in html and "<p>More</p>" in html
    assert "aria-required" not in note and "aria-required" not in when
