"""Together We CAN: feedback, complaints and co-production for children with additional needs."""

import base64
import hashlib
import logging
import re
from pathlib import Path

from flask import Flask, g, request, session
from flask_login import current_user
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import config_for
from portal.assets import register_assets
from portal.core.requests import PortalRequest, refuse_control_characters_in_the_address
from portal.core.templating import PortalEnvironment

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, **overrides) -> Flask:
    """Build the app. ``config_name`` picks a class from config.py (default: PORTAL_ENV);
    ``overrides`` are applied on top, for tests."""
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.request_class = PortalRequest
    app.jinja_environment = PortalEnvironment
    config = config_for(config_name)
    config.check()
    app.config.from_object(config)
    app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    configure_logging(app)
    configure_proxy(app)
    register_templates(app)
    register_extensions(app)
    register_receivers()
    app.url_map.converters["int"] = RecordIdConverter
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_page_cache(app)
    register_assets(app)
    register_commands(app)
    return app


class RecordIdConverter(IntegerConverter):
    """<int:...> in an address: at most what a database id column holds, so that an absurd
    number in a URL is a 404, not a database overflow."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def configure_logging(app: Flask) -> None:
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # WeasyPrint tells each step of each PDF at INFO: seeding the demo would print hundreds of lines.
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    limiter_log = logging.getLogger("flask-limiter")
    if not any(isinstance(existing, WithholdLimitKeys) for existing in limiter_log.filters):
        limiter_log.addFilter(WithholdLimitKeys())


class WithholdLimitKeys(logging.Filter):
    """Flask-Limiter logs the key of each limit that is hit, and a per-account key is the
    person's email address (or a case reference): keep the limit and scope, not the key."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and len(record.args) == 3 and "exceeded" in str(record.msg):
            limit, _key, scope = record.args
            record.args = (limit, "key withheld", scope)
        return True


def configure_proxy(app: Flask) -> None:
    """Behind a load balancer, trust its X-Forwarded-* headers (PROXY_COUNT of them) so that
    throttling sees the visitor's address and links use the public scheme."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def register_templates(app: Flask) -> None:
    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from portal import navigation
    from portal.core import complaint_code, components, procedures, tables

    components.install(app)
    tables.register(app)
    from portal.core.forms import error_summary_params
    from portal.core.time import format_date, format_datetime, format_day

    app.add_template_global(error_summary_params)
    from portal.core.kept_forms import shown_here

    app.add_template_global(shown_here, "kept_form_shown")
    # The Code's stages and limits, read by every page, email and report that states them.
    app.add_template_global(complaint_code, "complaint_code")
    # The rules of the stage a case is at, under its own procedure (core.procedures).
    app.add_template_global(procedures.stage_of, "procedure_stage")
    app.add_template_filter(format_date, "date")
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_day, "long_date")
    from portal.core.wording import in_sentence

    # Category, theme and procedure names inside a sentence, their capitals kept.
    app.add_template_filter(in_sentence, "in_sentence")
    from markupsafe import Markup

    app.add_template_filter(
        lambda text: Markup('<span class="twc-preserve-lines">{}</span>').format(text or ""), "preserve_lines"
    )
    from portal.feedback.services import mediation_deadline

    app.add_template_filter(mediation_deadline, "mediation_deadline")
    from portal.audit_labels import ALL as audit_labels
    from portal.core.audit import describe

    app.extensions["audit_labels"] = audit_labels
    app.add_template_filter(describe, "describe_event")

    @app.context_processor
    def layout_context():
        return {
            "service_name": app.config["SERVICE_NAME"],
            "council_name": app.config["COUNCIL_NAME"],
            "contact_email": app.config["CONTACT_EMAIL"],
            "contact_phone": app.config["CONTACT_PHONE"],
            "public_address": app.config["PUBLIC_URL"].rstrip("/"),
            "navigation": navigation.items_for(current_user, request.path),
        }


def register_extensions(app: Flask) -> None:
    # Import every model so that the metadata is complete for Alembic and create_all.
    import portal.models  # noqa: F401

    # Data requests are a model of portal.rights, which nothing below it may import.
    import portal.rights.models  # noqa: F401
    from portal.extensions import csrf, db, limiter, login_manager, migrate

    configure_database(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = "Sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions are checked server-side instead
    from portal.accounts import single_sign_on

    single_sign_on.check_settings(app)


def configure_database(app: Flask) -> None:
    """Engine options for the database in use: on PostgreSQL, timeouts for statements, lock
    waits and connecting, so that one held lock or a lost server never ties up every worker."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgresql"):
        connect_args.setdefault("connect_timeout", app.config["DATABASE_CONNECT_TIMEOUT_S"])
        connect_args.setdefault(
            "options",
            f"-c statement_timeout={app.config['DATABASE_STATEMENT_TIMEOUT_MS']} "
            f"-c lock_timeout={app.config['DATABASE_LOCK_TIMEOUT_MS']}",
        )
    elif uri.startswith("sqlite"):
        # SQLite has one writer at a time: others queue for the lock, for up to this long.
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_S"])
    options["connect_args"] = connect_args
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def register_receivers() -> None:
    """Casework listens to what families do, and ways to take part to accounts closing;
    connecting twice is harmless."""
    from portal.casework import receivers
    from portal.consultations import take_part
    from portal.reports import board_pack

    receivers.connect()
    take_part.connect()
    board_pack.register_measures()


def register_blueprints(app: Flask) -> None:
    """Each blueprint is named after its package, and its templates are in templates/<name>/."""
    from portal.accounts.admin_views import bp as accounts_admin
    from portal.accounts.outbox_admin_views import bp as accounts_outbox
    from portal.accounts.single_sign_on_views import bp as accounts_single_sign_on
    from portal.accounts.two_factor_views import bp as accounts_two_factor
    from portal.accounts.views import bp as accounts
    from portal.casework.manage_views import bp as casework_manage
    from portal.casework.views import bp as casework
    from portal.consultations.alert_views import bp as consultations_alerts
    from portal.consultations.manage_views import bp as consultations_manage
    from portal.consultations.materials_views import bp as consultations_materials
    from portal.consultations.moderation_views import bp as consultations_moderation
    from portal.consultations.take_part_manage_views import bp as consultations_opportunities
    from portal.consultations.take_part_views import bp as consultations_take_part
    from portal.consultations.views import bp as consultations
    from portal.feedback.survey_views import bp as feedback_survey
    from portal.feedback.tracking_views import bp as feedback_tracking
    from portal.feedback.views import bp as feedback
    from portal.improvement.manage_views import bp as improvement_manage
    from portal.improvement.views import bp as improvement
    from portal.notifications.receipts_views import bp as notifications_receipts
    from portal.pages.views import bp as pages
    from portal.reports.board_pack_views import bp as reports_board_packs
    from portal.reports.complaints_views import bp as reports
    from portal.reports.local_offer_views import bp as reports_local_offer
    from portal.reports.termly_views import bp as reports_updates
    from portal.retention.views import bp as retention
    from portal.rights.request_views import bp as rights_requests
    from portal.rights.views import bp as rights
    from portal.yousaid.manage_views import bp as yousaid_manage
    from portal.yousaid.views import bp as yousaid

    for blueprint in (
        pages,
        accounts,
        accounts_admin,
        accounts_outbox,
        accounts_two_factor,
        accounts_single_sign_on,
        feedback,
        feedback_tracking,
        feedback_survey,
        casework,
        casework_manage,
        notifications_receipts,
        consultations,
        consultations_manage,
        consultations_moderation,
        consultations_alerts,
        consultations_take_part,
        consultations_opportunities,
        consultations_materials,
        reports,
        yousaid,
        yousaid_manage,
        improvement,
        improvement_manage,
        reports_updates,
        reports_local_offer,
        reports_board_packs,
        rights,
        rights_requests,
        retention,
    ):
        app.register_blueprint(blueprint)


def register_errorhandlers(app: Flask) -> None:
    from portal.errors import register

    register(app)


# An inline script in a template (a <script> without src); the group is its exact text.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL)


def inline_script_hashes(app: Flask) -> list[str]:
    """The CSP source ('sha256-...') of each inline script in the templates, read from their
    text at start-up, so the policy and the page cannot drift apart. A fixed hash (rather than
    a nonce for each request) keeps the HTML the same for everyone, so it can be cached."""
    hashes = set()
    for name in app.jinja_loader.list_templates():
        if not name.endswith(".html"):
            continue
        source, _, _ = app.jinja_loader.get_source(app.jinja_env, name)
        for script in INLINE_SCRIPT.findall(source):
            if "{{" in script or "{%" in script:
                raise RuntimeError(f"{name}: an inline script must be fixed text for its CSP hash to hold")
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            hashes.add(f"'sha256-{digest}'")
    return sorted(hashes)


def register_security_headers(app: Flask) -> None:
    app.before_request(lambda: refuse_control_characters_in_the_address(request))
    policy = "; ".join(
        [
            "default-src 'self'",
            " ".join(["script-src 'self'", *inline_script_hashes(app)]),
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ]
    )

    @app.after_request
    def security_headers(response):
        # setdefault: a response may carry a stricter policy of its own (file downloads).
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        # Pages for a signed-in person, a family following their case or part-way through
        # their feedback, and every form, must not be kept by shared caches or shown again
        # from the browser's history.
        if (
            current_user.is_authenticated
            or request.method not in ("GET", "HEAD")
            or session_holds_personal_data()
            or request.path.startswith(("/reset-password", "/confirm-email", "/track/open", "/my-cases"))
        ):
            response.headers["Cache-Control"] = "no-store"
        return response


# Session keys that say nothing about a person; anything else (a draft, access to a case, an
# address to confirm) makes every page for that browser personal.
IMPERSONAL_SESSION_KEYS = {"csrf_token", "_flashes", "_permanent"}


def session_holds_personal_data() -> bool:
    return any(key not in IMPERSONAL_SESSION_KEYS for key in session)


def register_page_cache(app: Flask) -> None:
    """Anonymous public pages rendered once (portal.core.page_cache). Registered last, its
    response hook runs before the security headers', which every response gets, stored or not.
    A family's own pages are kept for them alone (portal.core.kept_pages)."""
    from portal.accounts.services import seconds_left
    from portal.core import kept_pages, page_cache
    from portal.feedback import page_versions

    page_cache.init_app(app, personal=session_holds_personal_data)

    def session_seconds_left() -> int | None:
        signed_in = g.get("signed_in_session")
        return seconds_left(signed_in) if signed_in is not None else None

    kept_pages.install(app, seconds_left=session_seconds_left)
    page_versions.listen()


def register_commands(app: Flask) -> None:
    from portal.cli import register

    register(app)
