"""Two-factor authentication pages: the code asked for after the password, a recovery code
instead, and setting up the app from the account page. Staff who have not set it up are sent
to set it up before any other page opens."""

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, logout_user

from portal import navigation
from portal.accounts import services, signing_in, throttles, two_factor
from portal.accounts.two_factor_forms import (
    AppCodeForm,
    CodeCheckForm,
    PasswordCheckForm,
    RecoveryCodeForm,
    SetUpForm,
)
from portal.core.forms import form_page
from portal.core.time import utcnow
from portal.extensions import db, limiter

bp = Blueprint("accounts_two_factor", __name__)

NEW_SECRET = "two_factor_new_secret"
# Open to a staff member before they have set up two-factor authentication.
OPEN_BEFORE_SET_UP = {
    "static",
    "accounts.sign_out",
    "accounts.session_status",
    "accounts.stay_signed_in",
    "accounts_two_factor.set_up",
}
CODE_EXPIRED = "It is more than 10 minutes since you gave your password. Sign in again."


@bp.before_app_request
def staff_set_up_first():
    """No staff page opens with a password alone (STAFF_TWO_FACTOR_REQUIRED)."""
    if request.endpoint in OPEN_BEFORE_SET_UP or not current_user.is_authenticated:
        return None
    signed_in = g.get("signed_in_session")
    if signed_in is None or signed_in.second_factor_at or not two_factor.required_for(current_user):
        return None
    if two_factor.is_set_up(current_user):
        # Signed in before their app was set up elsewhere: sign in again, with a code this time.
        services.end_session(session.get(signing_in.SESSION_KEY))
        db.session.commit()
        logout_user()
        session.clear()
        flash("Sign in again, with a code from your authenticator app.", "info")
        return redirect(url_for("accounts.sign_in"))
    flash("Set up two-factor authentication before you use the portal. It takes a few minutes.", "info")
    return redirect(url_for("accounts_two_factor.set_up"))


def _awaiting_key() -> str:
    pending = session.get(signing_in.AWAITING_CODE)
    return f"code:{pending.get('user_id') if isinstance(pending, dict) else 'none'}"


def _throttled(view):
    """The second step is throttled as the first is: per account and per address."""
    view = limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
        key_func=_awaiting_key,
        methods=["POST"],
        scope="sign-in-code-account",
    )(view)
    return limiter.limit(
        lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
        key_func=get_remote_address,
        methods=["POST"],
        scope="sign-in-code-address",
    )(view)


def _second_step(form, check, error: str, template: str):
    """Both ways of giving the second factor: ``check(user, code)`` says whether it is right."""
    awaiting = signing_in.awaiting_code()
    if awaiting is None:
        signing_in.forget_code_step()
        flash(CODE_EXPIRED, "info")
        return redirect(url_for("accounts.sign_in"))
    user, next_page = awaiting
    if form.validate_on_submit():
        if check(user, form.code.data):
            signing_in.start(user, second_factor=True)
            db.session.commit()
            return redirect(next_page or navigation.home_for(user))
        # A wrong code changes nothing, but a reused one is recorded and its owner told.
        db.session.commit()
        form.code.errors.append(error)
    return render_template(template, form=form)


@bp.route("/sign-in/code", methods=["GET", "POST"])
@form_page
@_throttled
def code():
    return _second_step(
        AppCodeForm(),
        two_factor.check_code,
        "The code is not right. Enter the 6-digit code your app shows now (each code works once)",
        "accounts_two_factor/code.html",
    )


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@form_page
@_throttled
def recovery_code():
    return _second_step(
        RecoveryCodeForm(),
        two_factor.use_recovery_code,
        "That recovery code is not right, or has been used. Enter one you have not used",
        "accounts_two_factor/recovery_code.html",
    )


def _recovery_codes_page(codes: list[str], heading: str):
    response = current_app.make_response(
        render_template("accounts_two_factor/recovery_codes.html", codes=codes, heading=heading)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/two-factor", methods=["GET", "POST"])
@form_page
@login_required
def set_up():
    if two_factor.is_set_up(current_user):
        if request.method == "POST":  # set up in another tab meanwhile
            return redirect(url_for("accounts_two_factor.set_up"))
        return render_template(
            "accounts_two_factor/status.html",
            left=two_factor.recovery_codes_left(current_user),
            may_turn_off=not two_factor.required_for(current_user),
        )
    secret = session.get(NEW_SECRET) or two_factor.new_secret()
    session[NEW_SECRET] = secret  # the same QR code however often the page is opened
    form = SetUpForm()
    if form.validate_on_submit():
        codes = two_factor.turn_on(current_user, secret, form.code.data)
        if codes is not None:
            session.pop(NEW_SECRET, None)
            g.signed_in_session.second_factor_at = utcnow()
            db.session.commit()
            return _recovery_codes_page(codes, "Two-factor authentication is on")
        form.code.errors.append("The code is not right. Enter the 6-digit code your app shows now")
    link = two_factor.app_link(current_user, secret)
    return render_template(
        "accounts_two_factor/set_up.html",
        form=form,
        qr_code=two_factor.qr_code(link),
        secret=two_factor.spaced(secret),
        required=two_factor.required_for(current_user),
    )


def _identity_check_form():
    return PasswordCheckForm() if current_user.password_hash else CodeCheckForm()


def _after_identity_check(action: str, heading: str, change):
    """Show the check (password, or app code) before ``change`` runs; ``change()`` returns the response."""
    form = _identity_check_form()
    if form.validate_on_submit():
        if two_factor.confirms_identity(current_user, form.secret.data):
            return change()
        db.session.commit()  # a reused code is recorded even so
        form.secret.errors.append(
            "The password is not right. Enter the password you sign in with"
            if current_user.password_hash
            else "The code is not right. Enter the 6-digit code your app shows now"
        )
    return render_template("accounts_two_factor/check_it_is_you.html", form=form, action=action, heading=heading)


@bp.route("/account/two-factor/recovery-codes", methods=["GET", "POST"])
@form_page
@login_required
@throttles.per_person("check-it-is-you")
def new_recovery_codes():
    if not two_factor.is_set_up(current_user):
        return redirect(url_for("accounts_two_factor.set_up"))

    def replace():
        codes = two_factor.replace_recovery_codes(current_user)
        db.session.commit()
        return _recovery_codes_page(codes, "Your new recovery codes")

    return _after_identity_check("make new recovery codes", "Make new recovery codes", replace)


@bp.route("/account/two-factor/turn-off", methods=["GET", "POST"])
@form_page
@login_required
@throttles.per_person("check-it-is-you")
def turn_off():
    if two_factor.required_for(current_user) or not two_factor.is_set_up(current_user):
        return redirect(url_for("accounts_two_factor.set_up"))

    def switch_off():
        two_factor.turn_off(current_user)
        db.session.commit()
        flash("Two-factor authentication is off. You sign in with your password alone.", "success")
        return redirect(url_for("accounts.account"))

    return _after_identity_check("turn off two-factor authentication", "Turn off two-factor authentication", switch_off)
