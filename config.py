"""Configuration, read from the environment.

PORTAL_ENV chooses the class: ``development`` (what ``make run`` and the flask
command use, through .flaskenv), ``testing``, or ``production`` (the default, so
that a server started without configuration refuses to run on a known key).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(url: str | None) -> str | None:
    """Point postgres URLs at the psycopg 3 driver, whatever scheme they were given in."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "City Council")
    SERVICE_NAME = "Together We CAN"
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "togetherwecan@example.org")
    CONTACT_PHONE = os.environ.get("CONTACT_PHONE", "0300 123 4567")
    # The council's Data Protection Officer, named in the privacy notices.
    DPO_NAME = os.environ.get("DPO_NAME", "Data Protection Officer")
    DPO_EMAIL = os.environ.get("DPO_EMAIL", "dpo@example.org")
    # Where a consultation post showing that a child may be at risk is sent, instead of the
    # board: the children's advice and support service's duty inbox.
    SAFEGUARDING_EMAIL = os.environ.get("SAFEGUARDING_EMAIL", "childrens.advice@example.org")
    # How many working days the board tells people a post usually waits for a moderator
    # (portal.consultations.moderation.USUAL_CHECK_WORKING_DAYS unless the council says otherwise).
    CONSULTATION_CHECK_WORKING_DAYS = int(os.environ.get("CONSULTATION_CHECK_WORKING_DAYS", "2"))

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    # hide_parameters: a database error in the log never carries what someone typed.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    # On PostgreSQL no statement, and no wait for a lock, may hold a worker longer than this:
    # the person gets a "try again" page instead of a hang.
    DATABASE_STATEMENT_TIMEOUT_MS = int(os.environ.get("DATABASE_STATEMENT_TIMEOUT_MS", "15000"))
    DATABASE_LOCK_TIMEOUT_MS = int(os.environ.get("DATABASE_LOCK_TIMEOUT_MS", "5000"))
    DATABASE_CONNECT_TIMEOUT_S = int(os.environ.get("DATABASE_CONNECT_TIMEOUT_S", "5"))
    # The embedded SQLite database lets one writer in at a time; the others wait this long.
    SQLITE_BUSY_TIMEOUT_S = float(os.environ.get("SQLITE_BUSY_TIMEOUT_S", "30"))

    REDIS_URL = os.environ.get("REDIS_URL")
    # Anonymous public pages are rendered once and kept (portal.core.page_cache): in Redis when
    # REDIS_URL is set, else in each process (PAGE_CACHE_SIZE pages); a copy lives at most
    # PAGE_CACHE_SECONDS, and browsers and proxies may keep it PAGE_CACHE_MAX_AGE seconds.
    PAGE_CACHE = _flag("PAGE_CACHE", True)
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
    PAGE_CACHE_SIZE = int(os.environ.get("PAGE_CACHE_SIZE", "500"))
    PAGE_CACHE_MAX_AGE = int(os.environ.get("PAGE_CACHE_MAX_AGE", "60"))
    # A family's own pages (their case, a question with their draft) are kept for them alone
    # in each process's memory until what they show changes (portal.core.kept_pages), for at
    # most KEPT_PAGES_SECONDS: the bound on what a page's version cannot see.
    KEPT_PAGES = _flag("KEPT_PAGES", True)
    KEPT_PAGES_SECONDS = int(os.environ.get("KEPT_PAGES_SECONDS", "60"))
    KEPT_PAGES_SIZE = int(os.environ.get("KEPT_PAGES_SIZE", "500"))
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # With Redis unreachable, each process keeps counting in its own memory (and logs a
    # warning) rather than refusing every sign-in; a short timeout so that never hangs.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    # Sign-in throttling: attempts counted whether they succeed or not.
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    EMAIL_LINK_LIMIT = os.environ.get("EMAIL_LINK_LIMIT", "5 per hour")
    # Tries at a code texted by /track, per address and per case (each code also allows 5 wrong).
    TRACK_CODE_LIMIT = os.environ.get("TRACK_CODE_LIMIT", "10 per hour")

    # Every upload sends one file of up to 10 MB; leave room for the form itself, and no more,
    # so an anonymous request can never make the server read much past what it may keep.
    MAX_CONTENT_LENGTH = 11 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    # Anonymous visitors can store files: per address, how many forms they may start and how
    # many files they may upload (evidence and replies together), and how much a draft, or a
    # case's replies in one London day, may hold in all.
    DRAFT_LIMIT_PER_ADDRESS = os.environ.get("DRAFT_LIMIT_PER_ADDRESS", "20 per hour")
    UPLOAD_LIMIT_PER_ADDRESS = os.environ.get("UPLOAD_LIMIT_PER_ADDRESS", "60 per hour")
    UPLOAD_TOTAL_PER_DRAFT = 25 * 1024 * 1024
    UPLOAD_TOTAL_PER_CASE_PER_DAY = 25 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "twc_session"
    # The cookie is sent again only when what it holds changes, not on every page: a signed-in
    # session's end is kept on the server (below), so re-signing the cookie each time bought
    # nothing but work on every request.
    SESSION_REFRESH_EACH_REQUEST = False
    # A signed-in session ends after this long without a page being opened (staff read more
    # sensitive records, so theirs is shorter), and in any case this many hours after sign-in.
    # A warning comes SESSION_WARNING_MINUTES before, with a button to stay signed in.
    FAMILY_SESSION_IDLE_MINUTES = int(os.environ.get("FAMILY_SESSION_IDLE_MINUTES", "60"))
    STAFF_SESSION_IDLE_MINUTES = int(os.environ.get("STAFF_SESSION_IDLE_MINUTES", "30"))
    SESSION_WARNING_MINUTES = int(os.environ.get("SESSION_WARNING_MINUTES", "5"))
    SIGNED_IN_SESSION_HOURS = int(os.environ.get("SIGNED_IN_SESSION_HOURS", "12"))
    # What someone sent after their session ended is kept this long, to be shown again once
    # they are back.
    KEPT_FORM_HOURS = 24
    # A family following a case without an account loses it after this long without a visit.
    CASE_ACCESS_IDLE_HOURS = int(os.environ.get("CASE_ACCESS_IDLE_HOURS", "4"))
    # How long the single-use link in each email about a case opens it (a week: a family may
    # read the email days later). The link /track sends on request lasts a day.
    CASE_EMAIL_LINK_HOURS = int(os.environ.get("CASE_EMAIL_LINK_HOURS", str(7 * 24)))
    WTF_CSRF_TIME_LIMIT = 4 * 60 * 60

    # argon2 parameters (argon2.profiles): RFC 9106's low-memory choice, about 50 ms a hash.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
    PASSWORD_RESET_HOURS = 1
    EMAIL_CONFIRMATION_HOURS = 24
    STAFF_INVITATION_HOURS = 72
    # Staff must sign in with a code from an authenticator app as well as their password
    # (accounts.two_factor). Turning it off is for a council that signs staff in another way.
    STAFF_TWO_FACTOR_REQUIRED = _flag("STAFF_TWO_FACTOR_REQUIRED", True)
    # Staff single sign-on through the council's OpenID Connect provider (Microsoft Entra ID):
    # on only when the issuer, client id and secret are all set (accounts.single_sign_on).
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET")
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "your council account")
    # The provider vouches for every address in its tenant without an email_verified claim (Entra).
    OIDC_EMAILS_VERIFIED = _flag("OIDC_EMAILS_VERIFIED")
    # Off: with single sign-on on, staff cannot sign in with a password nor reset one.
    STAFF_PASSWORD_SIGN_IN = _flag("STAFF_PASSWORD_SIGN_IN", True)
    # seed-demo makes accounts whose password and authenticator key are published: never on a
    # real portal (OWASP ASVS 2.5.4), so production refuses unless this says it is a training copy.
    DEMO_ACCOUNTS_ALLOWED = True
    # A Pwned Passwords range service (https://api.pwnedpasswords.com/range), asked whether a
    # new password is known from data breaches; unset, only the local rules apply.
    BREACHED_PASSWORDS_URL = os.environ.get("BREACHED_PASSWORDS_URL", "")

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Together We CAN <no-reply@example.org>")
    # A message that fails to go is tried again after 1, 2, 4, 8... minutes, at most 4 hours
    # apart, and fails once it has been failing for a day (the mail server may be down that long).
    MAIL_RETRY_FIRST_MINUTES = 1
    MAIL_RETRY_MAX_MINUTES = 4 * 60
    MAIL_RETRY_HOURS = 24
    # Fernet keys (comma-separated, the first encrypts) for email bodies while they wait to be
    # sent; without it a key is derived from SECRET_KEY.
    OUTBOX_ENCRYPTION_KEY = os.environ.get("OUTBOX_ENCRYPTION_KEY")
    MAIL_DIR = os.environ.get("MAIL_DIR", str(INSTANCE_DIR / "mail"))
    # Replies from families. Each case email's Reply-To is the team's mailbox (or, for a case
    # whose team has none, MAIL_REPLY_ADDRESS) plus-addressed with a signed token naming the case,
    # like cases+123.20261204.<signature>@council.example; the mail server must deliver
    # local+anything@ to local@. A token older than MAIL_REPLY_TOKEN_DAYS is not accepted.
    MAIL_REPLY_ADDRESS = os.environ.get("MAIL_REPLY_ADDRESS") or None
    MAIL_REPLY_TOKEN_DAYS = int(os.environ.get("MAIL_REPLY_TOKEN_DAYS", "90"))
    # The IMAP mailbox those replies arrive in, read by `flask --app wsgi mail fetch` (from
    # cron). Unset host: no inbox, and the command says so. MAIL_INBOX_TLS (on by default)
    # connects with TLS from the start (IMAPS, port 993); off, plain IMAP (port 143).
    MAIL_INBOX_HOST = os.environ.get("MAIL_INBOX_HOST") or None
    MAIL_INBOX_TLS = _flag("MAIL_INBOX_TLS", True)
    MAIL_INBOX_PORT = int(os.environ.get("MAIL_INBOX_PORT") or (993 if MAIL_INBOX_TLS else 143))
    MAIL_INBOX_USER = os.environ.get("MAIL_INBOX_USER")
    MAIL_INBOX_PASSWORD = os.environ.get("MAIL_INBOX_PASSWORD")
    MAIL_INBOX_FOLDER = os.environ.get("MAIL_INBOX_FOLDER", "INBOX")
    # A message larger than this is not fetched, only held for staff (attachments are checked
    # against the upload limits as well).
    MAIL_INBOX_MAX_BYTES = int(os.environ.get("MAIL_INBOX_MAX_BYTES", str(40 * 1024 * 1024)))
    # GOV.UK Notify: with an API key, the outbox sends through Notify instead of SMTP, and a
    # family's messages follow their channel (email, a text message, or a letter as a PDF).
    # Email and texts use one generic template each, whose ((subject)) and ((body)) the portal fills.
    NOTIFY_API_KEY = os.environ.get("NOTIFY_API_KEY")
    NOTIFY_BASE_URL = os.environ.get("NOTIFY_BASE_URL", "https://api.notifications.service.gov.uk")
    NOTIFY_EMAIL_TEMPLATE_ID = os.environ.get("NOTIFY_EMAIL_TEMPLATE_ID")
    NOTIFY_SMS_TEMPLATE_ID = os.environ.get("NOTIFY_SMS_TEMPLATE_ID")
    # The id of a reply-to address set up in the Notify service (the mailbox `mail fetch`
    # reads). Notify cannot send a different reply-to per case, so a reply through it is
    # matched to its case by the reference in its subject and by who sent it.
    NOTIFY_EMAIL_REPLY_TO_ID = os.environ.get("NOTIFY_EMAIL_REPLY_TO_ID")
    # The bearer token Notify sends with its delivery receipts; unset, receipts are refused.
    NOTIFY_CALLBACK_TOKEN = os.environ.get("NOTIFY_CALLBACK_TOKEN")

    # The public address every absolute link is built on (email, feeds, documents), so that
    # no link ever takes its host from a request header.
    PUBLIC_URL = os.environ.get("PUBLIC_URL")
    # How many proxies in front of the app set X-Forwarded-For (0: none; trust nothing).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))

    @classmethod
    def check(cls) -> None:
        """Raise if the configuration is unsafe to start with."""


class DevelopmentConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-secret-key")
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    DEBUG = _flag("FLASK_DEBUG", False)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    # Off: every test shares one app, and would see pages kept by the tests before it. The
    # page cache's own tests turn it on and empty it.
    PAGE_CACHE = False
    KEPT_PAGES = False
    # Most tests post forms directly; the CSRF tests and browser tests switch it back on.
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_PROFILE = "CHEAPEST"
    MAIL_SERVER = None
    MAIL_INBOX_HOST = None
    MAIL_REPLY_ADDRESS = None
    NOTIFY_API_KEY = None
    NOTIFY_CALLBACK_TOKEN = None
    PUBLIC_URL = "http://127.0.0.1:5000"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # A browser takes a __Host- cookie only from HTTPS, for the whole site and this host alone,
    # so no subdomain or plain-HTTP page can plant or read it (OWASP ASVS 3.4.4).
    SESSION_COOKIE_NAME = "__Host-twc_session"
    DEMO_ACCOUNTS_ALLOWED = _flag("DEMO_ACCOUNTS_ALLOWED")

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY is not set. Production refuses to start without a secret key: "
                "set SECRET_KEY to a long random value (or PORTAL_ENV=development on a laptop)."
            )
        problem = public_url_problem(cls.PUBLIC_URL)
        if problem:
            raise RuntimeError(
                f"PUBLIC_URL {problem}. Production refuses to start without the public address that "
                "links in email are built on: set PUBLIC_URL to it, for example "
                "https://togetherwecan.example.org (or PORTAL_ENV=development on a laptop)."
            )
        if cls.OIDC_ISSUER and urlsplit(cls.OIDC_ISSUER).scheme != "https":
            raise RuntimeError(
                "OIDC_ISSUER must be an https:// address: single sign-on's keys and tokens must not travel unencrypted."
            )


def public_url_problem(url: str | None) -> str | None:
    """What is wrong with a PUBLIC_URL value, or None."""
    if not url:
        return "is not set"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return f"must be an address like https://togetherwecan.example.org, not {url!r}"
    if parts.query or parts.fragment:
        return "must not have a query or fragment"
    return None


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_for(name: str | None) -> type[Config]:
    name = (name or os.environ.get("PORTAL_ENV") or "production").lower()
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(f"PORTAL_ENV={name!r} is not known; use one of {', '.join(CONFIGS)}") from None
