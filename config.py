"""Configuration, read from the environment.

PORTAL_ENV chooses the class: ``development`` (what ``make run`` and the flask
command use, through .flaskenv), ``testing``, or ``production`` (the default, so
that a server started without configuration refuses to run on a known key).
"""

import os
from pathlib import Path

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
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    COUNCIL_NAME = os.environ.get("COUNCIL_NAME", "City Council")
    SERVICE_NAME = "Together We CAN"
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "togetherwecan@example.org")
    CONTACT_PHONE = os.environ.get("CONTACT_PHONE", "0300 123 4567")
    # Where a consultation post showing that a child may be at risk is sent, instead of the
    # board: the children's advice and support service's duty inbox.
    SAFEGUARDING_EMAIL = os.environ.get("SAFEGUARDING_EMAIL", "childrens.advice@example.org")

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL")) or (
        f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    REDIS_URL = os.environ.get("REDIS_URL")
    RATELIMIT_STORAGE_URI = REDIS_URL or "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Sign-in throttling: attempts counted whether they succeed or not.
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "10 per 15 minutes")
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "50 per 15 minutes")
    EMAIL_LINK_LIMIT = os.environ.get("EMAIL_LINK_LIMIT", "5 per hour")

    # Evidence uploads are up to 5 files of 10 MB each; leave room for the form itself.
    MAX_CONTENT_LENGTH = 52 * 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_NAME = "twc_session"
    SIGNED_IN_SESSION_HOURS = 12
    WTF_CSRF_TIME_LIMIT = 4 * 60 * 60

    # argon2 parameters (argon2.profiles): RFC 9106's low-memory choice, about 50 ms a hash.
    PASSWORD_HASH_PROFILE = "RFC_9106_LOW_MEMORY"
    PASSWORD_RESET_HOURS = 1
    EMAIL_CONFIRMATION_HOURS = 24
    STAFF_INVITATION_HOURS = 72

    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _flag("MAIL_USE_TLS")
    MAIL_USE_SSL = _flag("MAIL_USE_SSL")
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Together We CAN <no-reply@example.org>"
    )
    MAIL_MAX_ATTEMPTS = 5
    MAIL_DIR = os.environ.get("MAIL_DIR", str(INSTANCE_DIR / "mail"))

    # Absolute links in emails (sign-in links, password resets) need the public address
    # when mail is sent from the command line rather than during a request.
    SERVER_NAME = os.environ.get("SERVER_NAME")
    # How many proxies in front of the app set X-Forwarded-For (0: none; trust nothing).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")

    @classmethod
    def check(cls) -> None:
        """Raise if the configuration is unsafe to start with."""


class DevelopmentConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-secret-key")
    DEBUG = _flag("FLASK_DEBUG", False)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("TEST_DATABASE_URL")) or "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    # Most tests post forms directly; the CSRF tests and browser tests switch it back on.
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_PROFILE = "CHEAPEST"
    MAIL_SERVER = None
    SERVER_NAME = None


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")

    @classmethod
    def check(cls) -> None:
        if not cls.SECRET_KEY:
            raise RuntimeError(
                "SECRET_KEY is not set. Production refuses to start without a secret key: "
                "set SECRET_KEY to a long random value (or PORTAL_ENV=development on a laptop)."
            )


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
        raise RuntimeError(
            f"PORTAL_ENV={name!r} is not known; use one of {', '.join(CONFIGS)}"
        ) from None
