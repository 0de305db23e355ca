"""GOV.UK components rendered once per set of parameters (portal.core.components): what is
reused is exactly what the parameters would render, and nothing of one visitor's reaches
another."""

import re

from flask import render_template_string
from markupsafe import Markup

from portal.core.components import RenderedComponents
from tests.test_security import make, page, sign_in_with_token

TAG = '{% from "govuk_frontend_jinja/components/tag/macro.html" import govukTag %}'


def rendered(app, source: str, **context) -> str:
    with app.test_request_context():
        return render_template_string(TAG + source, **context)


def test_the_same_parameters_render_as_they_would_without_being_kept(app):
    shown_once = rendered(app, "{{ component(govukTag, {'text': 'Late'}) }}")
    again = rendered(app, "{{ component(govukTag, {'text': 'Late'}) }}")
    direct = rendered(app, "{{ govukTag({'text': 'Late'}) }}")
    assert shown_once == again == direct
    assert "Late" in direct


def test_text_that_looks_like_html_is_never_served_as_html(app):
    """Markup and plain text that read the same are different parameters: the macro escapes
    the one and not the other, so a family's words can never come back unescaped."""
    trusted = rendered(app, "{{ component(govukTag, {'text': value}) }}", value=Markup("<b>Late</b>"))
    typed = rendered(app, "{{ component(govukTag, {'text': value}) }}", value="<b>Late</b>")
    assert "<b>Late</b>" in trusted
    assert "<b>" not in typed and "&lt;b&gt;Late&lt;/b&gt;" in typed


def test_a_form_field_shows_what_was_typed_and_its_error(app):
    from portal.accounts.forms import SignInForm

    with app.test_request_context(method="POST", data={"email": "jo@example.org"}):
        form = SignInForm()
        form.validate()
        first = str(form.email)
    with app.test_request_context(method="POST", data={"email": "sam@example.org"}):
        form = SignInForm()
        form.validate()
        second = str(form.email)
    assert 'value="jo@example.org"' in first
    assert 'value="sam@example.org"' in second and "jo@example.org" not in second


def test_each_signed_in_person_is_given_their_own_sign_out_token(csrf_app):
    """The navigation is rendered once for everyone it looks the same for; the token in its
    Sign out form is this session's own."""
    tokens = []
    for _ in range(2):
        client = csrf_app.test_client()
        sign_in_with_token(client, make(csrf_app))
        header = client.get("/account").get_data(as_text=True)
        sign_out = re.search(r'action="/sign-out".*?name="csrf_token" value="([^"]+)"', header, re.S)
        assert sign_out, "no Sign out form in the navigation"
        tokens.append(sign_out.group(1))
        assert client.post("/sign-out", data={"csrf_token": sign_out.group(1)}).status_code == 302
        assert client.get("/account").status_code == 302, "the token in the navigation did not sign out"
    assert tokens[0] != tokens[1]
    assert "csrf-token-of-this-session" not in header


def test_the_footer_shows_the_settings_it_was_rendered_with(app):
    response = app.test_client().get("/cookies")
    assert app.config["CONTACT_PHONE"] in page(response).text


def test_the_oldest_components_are_forgotten_first():
    kept = RenderedComponents(size=2)
    made = []
    for name in ("a", "b", "a", "c", "b"):
        kept.get_or_render(name, None, lambda name=name: made.append(name) or name)
    # "a" was asked for again before "c" came, so "b" was the one forgotten.
    assert made == ["a", "b", "c", "b"]


def test_an_anonymous_page_makes_no_session_for_its_navigation(app):
    client = app.test_client()
    client.get("/cookies")
    assert client.get_cookie("twc_session") is None


def test_two_macros_of_the_same_name_are_never_mixed_up(app):
    first = "{% macro badge(params) %}<b>{{ params.text }}</b>{% endmacro %}"
    second = "{% macro badge(params) %}<i>{{ params.text }}</i>{% endmacro %}"
    with app.test_request_context():
        bold = render_template_string(first + "{{ component(badge, {'text': 'Late'}) }}")
        italic = render_template_string(second + "{{ component(badge, {'text': 'Late'}) }}")
    assert "<b>Late</b>" in bold
    assert "<i>Late</i>" in italic
