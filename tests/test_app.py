"""The app factory, configuration and the public pages."""

import importlib.util

import pytest

import config
from config import ProductionConfig, database_url
from portal import create_app


def test_testing_config_is_used(app):
    assert app.testing
    assert app.config["SECRET_KEY"]


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production")


@pytest.mark.parametrize("public_url", [None, "", "togetherwecan.example.org", "ftp://example.org", "https://"])
def test_production_refuses_to_start_without_its_public_address(monkeypatch, public_url):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", public_url)
    with pytest.raises(RuntimeError, match="set PUBLIC_URL to it, for example https://"):
        create_app("production")


def test_production_starts_with_secret_key_and_secure_cookies(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", "https://togetherwecan.example.org")
    app = create_app("production")
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def fresh_config(monkeypatch, **environment):
    """config.py read again under ``environment``, leaving the imported module alone."""
    for name, value in environment.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("config_read_again", config.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_moderation_wait_the_board_promises_is_read_from_the_environment(monkeypatch):
    from portal.consultations.moderation import USUAL_CHECK_WORKING_DAYS

    unset = fresh_config(monkeypatch, CONSULTATION_CHECK_WORKING_DAYS=None)
    assert unset.ProductionConfig.CONSULTATION_CHECK_WORKING_DAYS == USUAL_CHECK_WORKING_DAYS
    council = fresh_config(monkeypatch, CONSULTATION_CHECK_WORKING_DAYS="5")
    for chosen in (council.DevelopmentConfig, council.TestingConfig, council.ProductionConfig):
        assert chosen.CONSULTATION_CHECK_WORKING_DAYS == 5
    with pytest.raises(ValueError):
        fresh_config(monkeypatch, CONSULTATION_CHECK_WORKING_DAYS="soon")


def test_unknown_environment_is_refused():
    with pytest.raises(RuntimeError, match="PORTAL_ENV"):
        create_app("staging-typo")


@pytest.mark.parametrize(
    "given, expected",
    [
        ("postgres://u@db/portal", "postgresql+psycopg://u@db/portal"),
        ("postgresql://u@db/portal", "postgresql+psycopg://u@db/portal"),
        ("postgresql+psycopg://u@db/portal", "postgresql+psycopg://u@db/portal"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("", None),
    ],
)
def test_database_url_uses_psycopg3(given, expected):
    assert database_url(given) == expected


def test_start_page_explains_the_service(client):
    page = client.get("/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Together We CAN" in text
    assert "make a complaint, give a compliment" in text
    for link in ("/feedback", "/track", "/accessibility", "/privacy", "/cookies", "/contact"):
        assert f'href="{link}"' in text


@pytest.mark.parametrize(
    "path, heading",
    [
        ("/accessibility", "Accessibility statement"),
        ("/privacy", "Privacy notice"),
        ("/cookies", "Cookies"),
        ("/contact", "Contact the Together We CAN team"),
    ],
)
def test_footer_pages(client, path, heading):
    page = client.get(path)
    assert page.status_code == 200
    assert heading in page.get_data(as_text=True)


def test_no_gov_uk_crown_or_typeface(client):
    text = client.get("/").get_data(as_text=True)
    assert "govuk-header__logotype" not in text
    assert "Crown copyright" not in text
    assert "GOV.UK" not in text


def test_healthz_reports_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "reachable"}


def test_healthz_answers_503_when_database_is_unreachable(tmp_path):
    broken = create_app("testing", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/missing-dir/never/db.sqlite3")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_an_absurd_number_in_an_address_is_not_found(client):
    assert client.get("/you-said-we-did/99999999999999999999").status_code == 404
    assert client.get("/you-said-we-did/2147483648").status_code == 404


def test_text_fields_drop_control_characters_pasted_from_other_programs(app):
    from werkzeug.datastructures import MultiDict
    from wtforms import StringField, TextAreaField

    from portal.core.forms import PortalForm, strip_whitespace

    class Form(PortalForm):
        title = StringField(filters=[strip_whitespace])
        body = TextAreaField()

    with app.test_request_context():
        form = Form(formdata=MultiDict({"title": " A\x0btitle\x00 ", "body": "Line one\r\nLine\ttwo\x1f"}))
        assert form.title.data == "Atitle"
        assert form.body.data == "Line one\r\nLine\ttwo"


@pytest.mark.parametrize(
    "text, number",
    [("12", 12), (" 7 ", 7), ("²", None), ("-1", None), ("1e3", None), ("9" * 20, None), ("", None), (None, None)],
)
def test_whole_numbers_from_what_people_type(text, number):
    from portal.core.forms import whole_number

    assert whole_number(text) == number
