"""The front end as a phone fetches it: hashed names, compressed copies, long caching, one
deferred module script, a first visit within its budget, static files under a policy that runs
nothing, and pages compressed unless they hold a secret of their session."""

import gzip
import os
import re
from pathlib import Path

import brotli
import pytest

from portal.accounts import roles
from portal.assets import FrontEndNotBuilt, Manifest
from portal.feedback.views import SUBMITTED_KEY
from tests.test_security import csp

ROOT = Path(__file__).resolve().parent.parent
HASHED_CSS = re.compile(r'<link rel="stylesheet" href="(/static/dist/portal\.[0-9a-f]{8}\.css)">')
MODULE_SCRIPT = re.compile(r'<script type="module" src="(/static/dist/portal\.[0-9a-f]{8}\.js)"></script>')
# What a phone may download on its first visit, compressed, before fonts and images.
FIRST_VISIT_BUDGET = 60 * 1024


@pytest.fixture
def start_page(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.fixture
def stylesheet(start_page) -> str:
    match = HASHED_CSS.search(start_page)
    assert match, "the start page links no stylesheet with a hashed name"
    return match.group(1)


@pytest.fixture
def script(start_page) -> str:
    match = MODULE_SCRIPT.search(start_page)
    assert match, "the start page loads no module script with a hashed name"
    return match.group(1)


def test_pages_link_the_stylesheet_and_script_by_their_hashed_names(client, start_page, stylesheet, script):
    for address in (stylesheet, script):
        assert client.get(address).status_code == 200, address


def test_the_only_script_file_is_a_module_so_it_never_holds_up_the_page(start_page):
    script_files = re.findall(r"<script\b[^>]*\bsrc=[^>]*>", start_page)
    assert script_files and all('type="module"' in tag for tag in script_files), script_files


def test_the_stylesheet_comes_with_brotli_when_the_browser_accepts_it(client, stylesheet):
    plain = client.get(stylesheet).data
    response = client.get(stylesheet, headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert len(response.data) < len(plain) / 4
    assert brotli.decompress(response.data) == plain


def test_the_stylesheet_comes_with_gzip_to_a_browser_without_brotli(client, stylesheet):
    plain = client.get(stylesheet).data
    response = client.get(stylesheet, headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.data) == plain


def test_the_stylesheet_comes_as_it_is_to_a_client_that_accepts_no_compression(client, stylesheet):
    response = client.get(stylesheet)
    assert "Content-Encoding" not in response.headers
    assert response.mimetype == "text/css"
    assert b"@media print" in response.data


def test_hashed_files_are_kept_for_a_year_and_never_asked_for_again(client, stylesheet, script):
    for address in (stylesheet, script):
        response = client.get(address, headers={"Accept-Encoding": "br"})
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable", address


def test_files_whose_names_do_not_change_are_kept_for_an_hour_only(client):
    response = client.get("/static/images/favicon.svg")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=3600"


def test_static_files_tell_browsers_not_to_guess_their_type(client, script):
    response = client.get(script)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "text/javascript"


def test_static_files_come_with_a_policy_that_runs_and_frames_nothing(client, stylesheet, script):
    """An SVG opened directly is a document under its own policy: it may not run script, be
    framed or send a form."""
    for address in (stylesheet, script, "/static/images/favicon.svg"):
        response = client.get(address)
        assert response.status_code == 200, address
        policy = csp(response)
        assert policy["default-src"] == "default-src 'none'", address
        assert "script-src" not in policy, address
        assert policy["frame-ancestors"] == "frame-ancestors 'none'", address
        assert policy["form-action"] == "form-action 'none'", address
        assert "sandbox" in policy, address


def test_the_images_and_fonts_the_stylesheet_names_are_served_and_the_page_allows_them(client, start_page, stylesheet):
    """A stylesheet's images and fonts load under the policy of the page that uses it, not the
    stylesheet's own: each must be a file here that the page's img-src or font-src lets in."""
    page_policy = csp(client.get("/"))
    css = client.get(stylesheet).get_data(as_text=True)
    addresses = set(re.findall(r"""url\(["']?([^"')]+)["']?\)""", css)) - {""}
    assert addresses, "the stylesheet names no image or font: check this test still checks something"
    for address in addresses:
        assert address.startswith("/static/"), f"{address} is not one of the portal's own files"
        response = client.get(address)
        assert response.status_code == 200, address
        directive = "font-src" if response.mimetype.startswith("font/") else "img-src"
        assert "'self'" in page_policy[directive].split(), f"{directive} blocks {address}"


def test_a_missing_static_file_is_a_404(client):
    assert client.get("/static/dist/portal.00000000.css").status_code == 404


def test_a_first_visit_fits_the_budget_for_a_phone(client, stylesheet, script):
    """What the start page links to, compressed as it is served: the build's .br and .gz."""
    for encoding in ("br", "gzip"):
        sizes = {
            address: len(client.get(address, headers={"Accept-Encoding": encoding}).data)
            for address in (stylesheet, script)
        }
        assert sum(sizes.values()) <= FIRST_VISIT_BUDGET, f"{encoding}: {sizes}"


def test_every_gov_uk_style_the_templates_use_is_in_the_stylesheet(app):
    """The stylesheet has only the GOV.UK components listed in portal.scss: a template that
    starts using another would show it unstyled."""
    css = app.extensions["asset_manifest"].built_file("portal.css").read_text(encoding="utf-8")
    used = {block for template in (ROOT / "templates").rglob("*.html") for block in gov_uk_blocks(template)}
    unstyled = sorted(block for block in used if not re.search(rf"\.{block}(?:__|--|[^\w-])", css))
    assert not unstyled, f"add these components to static/scss/portal.scss: {unstyled}"


def gov_uk_blocks(template: Path) -> set[str]:
    """The GOV.UK components a template imports the macros of, and the class names it writes
    without their elements and modifiers (govuk-summary-list for govuk-summary-list__row);
    names made up in Jinja are left out."""
    text = re.sub(r"\{#.*?#\}", "", template.read_text(encoding="utf-8"), flags=re.DOTALL)
    macros = {f"govuk-{name}" for name in re.findall(r"govuk_frontend_jinja/components/([a-z-]+)/macro", text)}
    names = re.findall(r"govuk-[\w{}-]+", text)
    return macros | {re.split(r"__|--", name)[0] for name in names if "{" not in name}


# --- The manifest -----------------------------------------------------------------------------


def test_a_name_the_build_did_not_make_fails_clearly(app):
    with app.test_request_context("/"), pytest.raises(FrontEndNotBuilt, match=r"'portal\.mjs' is not in .*make assets"):
        app.jinja_env.globals["asset_url"]("portal.mjs")


def test_a_front_end_never_built_fails_clearly(tmp_path):
    with pytest.raises(FrontEndNotBuilt, match=r"manifest\.json: build the front end with `make assets`"):
        Manifest(tmp_path).hashed_name("portal.css")


def test_a_new_build_is_picked_up_without_restarting(tmp_path):
    built = tmp_path / "dist"
    built.mkdir()
    manifest_file = built / "manifest.json"
    manifest = Manifest(tmp_path)
    manifest_file.write_text('{"portal.css": "portal.11111111.css"}')
    os.utime(manifest_file, (1_000_000, 1_000_000))
    assert manifest.hashed_name("portal.css") == "portal.11111111.css"
    manifest_file.write_text('{"portal.css": "portal.22222222.css"}')
    os.utime(manifest_file, (2_000_000, 2_000_000))
    assert manifest.hashed_name("portal.css") == "portal.22222222.css"


# --- Pages, compressed ------------------------------------------------------------------------


def test_a_public_page_comes_with_brotli_or_gzip_as_the_browser_accepts(client, start_page):
    plain = start_page.encode()
    as_brotli = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert as_brotli.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in as_brotli.headers["Vary"]
    assert brotli.decompress(as_brotli.data) == plain
    assert len(as_brotli.data) < len(plain) / 2
    as_gzip = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert as_gzip.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(as_gzip.data) == plain
    assert "Content-Encoding" not in client.get("/", headers={"Accept-Encoding": "identity"}).headers


def test_a_page_with_a_forms_secret_token_goes_uncompressed(csrf_app):
    """Compressed beside text an attacker can put in the page, a secret's length gives it away."""
    response = csrf_app.test_client().get("/sign-in", headers={"Accept-Encoding": "br, gzip"})
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert "Content-Encoding" not in response.headers


def test_a_signed_in_persons_pages_go_uncompressed(client, users, auth):
    auth.sign_in(users.make(roles.PARENT))
    response = client.get("/consultations", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "Sign out" in response.get_data(as_text=True)
    assert "Content-Encoding" not in response.headers


def test_pages_for_a_family_whose_session_holds_their_case_go_uncompressed(client):
    with client.session_transaction() as session:
        session[SUBMITTED_KEY] = 1
    response = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers


def test_a_stored_page_sent_compressed_is_not_sent_again_on_a_repeat_visit(app, client):
    app.config["PAGE_CACHE"] = True
    app.extensions["page_cache"].clear()
    headers = {"Accept-Encoding": "br, gzip"}
    first = client.get("/", headers=headers)
    again = client.get("/", headers=headers)
    assert first.headers["Content-Encoding"] == again.headers["Content-Encoding"] == "br"
    assert first.data == again.data
    assert first.headers["ETag"].startswith('W/"')
    repeat = client.get("/", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert repeat.status_code == 304
    assert repeat.data == b""
