"""Signing in and out, registering, confirming an email address, resetting a password."""

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_url, logout_user

from portal import navigation
from portal.accounts import (
    closing,
    devices,
    services,
    signing_in,
    single_sign_on,
    single_sign_on_accounts,
    throttles,
    two_factor,
)
from portal.accounts.forms import (
    ChangePasswordForm,
    CloseAccountForm,
    ForgottenPasswordForm,
    RegisterForm,
    ResetPasswordForm,
    SignInForm,
)
from portal.accounts.models import AccountToken
from portal.core import kept_forms
from portal.core.forms import form_page
from portal.extensions import db, limiter, login_manager

bp = Blueprint("accounts", __name__)

SESSION_KEY = signing_in.SESSION_KEY


@login_manager.user_loader
def load_user(user_id: str):
    signed_in = services.live_session(user_id, session.get(SESSION_KEY))
    g.signed_in_session = signed_in
    return signed_in.user if signed_in else None


# Asking how long is left must not itself keep the session alive.
NOT_ACTIVITY = {"static", "accounts.session_status"}


@bp.before_app_request
def note_activity():
    """Each page opened keeps a signed-in session alive for its idle spell."""
    if request.endpoint in NOT_ACTIVITY or not current_user.is_authenticated:
        return
    if services.note_activity(g.signed_in_session):
        db.session.commit()


@login_manager.unauthorized_handler
def ask_to_sign_in():
    """Someone not signed in (or no longer) opened a page that needs it. What a person whose
    session ran out had just sent is kept, and shown again once they have signed in."""
    lapsed = kept_forms.signed_in_before()
    if request.method == "POST" and lapsed:
        page = kept_forms.keep_this_post()
        db.session.commit()
        flash(services.KEPT_FOR_AFTER_SIGN_IN, "info")
        return redirect(url_for("accounts.sign_in", next=page))
    flash(services.SIGNED_OUT_FOR_INACTIVITY if lapsed else login_manager.login_message, "info")
    return redirect(login_url(login_manager.login_view, request.url))


@bp.app_context_processor
def session_timeout():
    """What the timeout warning on each signed-in page needs to know."""
    signed_in = g.get("signed_in_session")
    if signed_in is None or not current_user.is_authenticated:
        return {"session_timeout": None}
    warn_minutes = current_app.config["SESSION_WARNING_MINUTES"]
    return {
        "session_timeout": {
            "seconds_left": services.seconds_left(signed_in),
            "warn_seconds": int(warn_minutes * 60),
            "warn_minutes": warn_minutes,
            "idle_minutes": int(services.idle_limit(signed_in.user).total_seconds() // 60),
        }
    }


@bp.route("/session")
def session_status():
    """How long this browser's session has left, for the timeout warning (noting nothing)."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False, seconds_left=0), 401
    return jsonify(signed_in=True, seconds_left=services.seconds_left(g.signed_in_session))


@bp.route("/session/stay-signed-in", methods=["POST"])
def stay_signed_in():
    """The timeout warning's "Stay signed in" button: the session runs on from now."""
    if not current_user.is_authenticated:
        return jsonify(signed_in=False, seconds_left=0), 401
    g.signed_in_session.last_seen_at = None  # noted afresh, however recently it was
    services.note_activity(g.signed_in_session)
    db.session.commit()
    return jsonify(signed_in=True, seconds_left=services.seconds_left(g.signed_in_session))


def _submitted_email() -> str:
    return services.normalise_email(request.form.get("email", ""))[:254]


def _per_account_key() -> str:
    return f"account:{_submitted_email()}"


@bp.route("/sign-in", methods=["GET", "POST"])
@form_page
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
    key_func=get_remote_address,
    methods=["POST"],
    scope="sign-in-address",
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"],
    key_func=_per_account_key,
    methods=["POST"],
    scope="sign-in-account",
)
def sign_in():
    if current_user.is_authenticated:
        return redirect(signing_in.safe_next(request.args.get("next")) or navigation.home_for(current_user))
    form = SignInForm()
    unconfirmed = False
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.email.errors.append("Enter the email address and password for your account")
        elif not single_sign_on.may_use_password(user):
            # Only now the password is known to be right: the answer reveals nothing to a guesser.
            single_sign_on_accounts.refuse_password(user)
            db.session.commit()
            flash(f"Staff sign in with {single_sign_on.provider_name()}. Use the button below.", "info")
            return redirect(url_for("accounts.sign_in", next=signing_in.safe_next(request.args.get("next"))))
        elif user.email_confirmed_at is None:
            services.send_email_confirmation(user)
            db.session.commit()
            unconfirmed = True
        else:
            next_page = signing_in.first_factor_given(user, request.args.get("next"))
            db.session.commit()
            return redirect(next_page)
    return render_template("accounts/sign_in.html", form=form, unconfirmed=unconfirmed)


@bp.route("/sign-out", methods=["GET", "POST"])
def sign_out():
    if request.method == "GET":
        if not current_user.is_authenticated:
            return redirect(url_for("pages.start"))
        return render_template("accounts/sign_out.html")
    services.end_session(session.get(SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have signed out.", "success")
    return redirect(url_for("pages.start"))


@bp.route("/register", methods=["GET", "POST"])
@form_page
@limiter.limit(
    lambda: current_app.config["EMAIL_LINK_LIMIT"],
    key_func=_per_account_key,
    methods=["POST"],
    scope="register-account",
)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = RegisterForm()
    if form.validate_on_submit():
        services.register(
            form.name.data, form.email.data, form.password.data, form.role.data, age_band=form.chosen_age_band
        )
        db.session.commit()
        session["check_email"] = services.normalise_email(form.email.data)
        return redirect(url_for("accounts.check_email"))
    return render_template("accounts/register.html", form=form)


@bp.route("/register/check-your-email")
def check_email():
    return render_template("accounts/check_email.html", email=session.get("check_email"))


@bp.route("/confirm-email/<token>")
def confirm_email(token: str):
    found = services.find_token(token, AccountToken.CONFIRM_EMAIL)
    user = services.confirm_email(found) if found else None
    if user is None:
        db.session.rollback()
        return render_template("accounts/link_expired.html", purpose="confirm"), 404
    signing_in.start(user)
    db.session.commit()
    flash("Your email address is confirmed and you are signed in.", "success")
    return redirect(url_for("accounts.account"))


@bp.route("/forgotten-password", methods=["GET", "POST"])
@form_page
@limiter.limit(
    lambda: current_app.config["EMAIL_LINK_LIMIT"],
    key_func=_per_account_key,
    methods=["POST"],
    scope="reset-account",
)
@limiter.limit(
    lambda: current_app.config["SIGN_IN_LIMIT_PER_ADDRESS"],
    key_func=get_remote_address,
    methods=["POST"],
    scope="reset-address",
)
def forgotten_password():
    form = ForgottenPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        session["check_email"] = services.normalise_email(form.email.data)
        return redirect(url_for("accounts.reset_link_sent"))
    return render_template("accounts/forgotten_password.html", form=form)


@bp.route("/forgotten-password/check-your-email")
def reset_link_sent():
    return render_template("accounts/reset_link_sent.html", email=session.get("check_email"))


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@form_page
def reset_password(token: str):
    found = services.find_token(token, AccountToken.SET_PASSWORD)
    if found is None:
        return render_template("accounts/link_expired.html", purpose="reset"), 404
    if not single_sign_on.may_use_password(found.user):
        flash(f"Staff sign in with {single_sign_on.provider_name()}, without a password. Use the button below.", "info")
        return redirect(url_for("accounts.sign_in"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = services.set_password(found, form.password.data)
        if user is None:  # used by another request a moment ago
            db.session.rollback()
            return render_template("accounts/link_expired.html", purpose="reset"), 404
        # Any session this browser had is over too; the person signs in with the new password.
        logout_user()
        session.clear()
        db.session.commit()
        flash("Your password has been saved. Sign in with your new password.", "success")
        return redirect(url_for("accounts.sign_in"))
    return render_template("accounts/reset_password.html", form=form, user=found.user)


@bp.route("/account")
@login_required
def account():
    return render_template(
        "accounts/account.html",
        two_factor_on=two_factor.is_set_up(current_user),
        signed_in_sessions=devices.live_sessions(current_user),
        may_close=closing.may_close(current_user),
        may_change_password=bool(current_user.password_hash) and single_sign_on.may_use_password(current_user),
    )


def _signed_out_here(message: str, endpoint: str):
    """This browser's session is over already (the caller ended it): forget it here too."""
    logout_user()
    session.clear()
    flash(message, "success")
    return redirect(url_for(endpoint))


@bp.route("/account/sessions/<int:session_id>/sign-out", methods=["POST"])
@login_required
def sign_out_device(session_id: int):
    """Sign out one of the person's other browsers. Another person's session, or one already
    over, is not found; this browser signs out through the sign-out page."""
    if session_id == g.signed_in_session.id or not devices.sign_out_one(current_user, session_id):
        abort(404)
    db.session.commit()
    flash("You have signed out on the other device.", "success")
    return redirect(url_for("accounts.account", _anchor="signed-in-devices"))


@bp.route("/account/sign-out-everywhere", methods=["POST"])
@login_required
def sign_out_everywhere():
    devices.sign_out_everywhere(current_user)
    db.session.commit()
    return _signed_out_here("You have signed out on every device", "accounts.sign_in")


@bp.route("/account/close", methods=["GET", "POST"])
@form_page
@login_required
@throttles.per_person("close-account")
def close_account():
    """A parent or youth member closes their own account, once they have read what it means
    and given their password (accounts.closing). Staff accounts are disabled by an admin."""
    if not closing.may_close(current_user):
        abort(403)
    form = CloseAccountForm()
    if form.validate_on_submit():
        if closing.close_account(current_user, form.password.data):
            db.session.commit()
            return _signed_out_here("Your account is closed", "pages.start")
        form.password.errors.append("The password is not right. Enter the password you sign in with")
    return render_template("accounts/close_account.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@form_page
@login_required
@throttles.per_person("change-password")
def change_password():
    """Change the password, giving the current one: every other device is signed out."""
    if not single_sign_on.may_use_password(current_user):
        abort(404)  # staff sign in through their council, with no password here
    form = ChangePasswordForm()
    form.known_inputs = (current_user.name or "", current_user.email or "")
    if form.validate_on_submit():
        keep = session.get(signing_in.SESSION_KEY)
        if services.change_password(current_user, form.current_password.data, form.password.data, keep_token=keep):
            db.session.commit()
            flash("Your password has been changed. Any other device you were signed in on is signed out.", "success")
            return redirect(url_for("accounts.account"))
        form.current_password.errors.append("The password is not right. Enter the password you sign in with now")
    return render_template("accounts/change_password.html", form=form)
