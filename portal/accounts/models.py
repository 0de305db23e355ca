from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts import age_bands, roles
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class Team(db.Model):
    """A team of caseworkers, for example SENAR North or Travel Assist."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # The manager told at once about urgent cases and about overdue ones.
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL", use_alter=True))
    # The team's own email address: families' emails about its cases say to reply there.
    mailbox: Mapped[str | None] = mapped_column(sa.String(254))

    members: Mapped[list["User"]] = relationship(back_populates="team", foreign_keys="User.team_id")
    lead: Mapped["User | None"] = relationship(foreign_keys=[lead_id])


# Room for an issuer's address and the subject it gives a person (at most 255 characters).
SSO_SUBJECT_LENGTH = 512


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20))
    # None until the person sets one (staff accounts are made without a password).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Youth forum members may post only once a manager has approved them.
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The person closed their own account: the row stays, without a login (accounts.closing).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Youth forum members only, and optional: a band from accounts.age_bands, never a birth date.
    age_band: Mapped[str | None] = mapped_column(sa.String(20))
    # Staff who have signed in through single sign-on: "<issuer>#<subject>", the provider's own
    # name for the person, which outlasts a change of email address (accounts.single_sign_on).
    sso_subject: Mapped[str | None] = mapped_column(sa.String(SSO_SUBJECT_LENGTH), unique=True)

    team: Mapped[Team | None] = relationship(back_populates="members", foreign_keys=[team_id])

    __table_args__ = (sa.CheckConstraint(sa.column("role").in_(roles.ALL), name="role_known"),)

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None

    @property
    def role_label(self) -> str:
        return roles.LABELS[self.role]

    @property
    def age_band_label(self) -> str:
        return age_bands.label(self.age_band)

    @property
    def is_staff(self) -> bool:
        return self.role in roles.STAFF

    @property
    def awaiting_approval(self) -> bool:
        return self.role == roles.YOUTH and self.approved_at is None

    @property
    def can_post(self) -> bool:
        """May answer consultations and post on the board."""
        return self.is_active and not self.awaiting_approval

    def has_role(self, *wanted: str) -> bool:
        return self.role in wanted


class SignedInSession(db.Model):
    """One signed-in browser. Signing out or disabling the account revokes it at once,
    so a copied session cookie is useless afterwards."""

    __tablename__ = "signed_in_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When a page was last opened with it: it ends after a spell without one (accounts.services).
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When this browser gave the second factor (a code), if it did: staff need it for every page.
    second_factor_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The browser and system it signed in from, in words ("Firefox on Windows"), for the list
    # on the account page; the raw User-Agent is not kept.
    device: Mapped[str | None] = mapped_column(sa.String(200))

    user: Mapped[User] = relationship()


class AccountToken(db.Model):
    """A single-use, expiring secret sent by email: confirm an address or set a password.

    Only a hash is stored, so a copy of the database cannot be used to take over accounts.
    """

    __tablename__ = "account_token"

    CONFIRM_EMAIL = "confirm_email"
    SET_PASSWORD = "set_password"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class TwoFactor(db.Model):
    """A person's authenticator app: the shared secret (encrypted with a key derived from the
    app's SECRET_KEY, so a copy of the database alone cannot make codes) and the time step of
    the last code accepted, so that each code works once (accounts.two_factor)."""

    __tablename__ = "two_factor"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(255))
    set_up_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)


class RecoveryCode(db.Model):
    """One of the ten single-use codes for signing in without the app. Only a keyed hash is kept."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
