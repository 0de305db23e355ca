"""Following a case: /track sends a single-use link, /my-cases lists a signed-in parent's
cases, and each case page lets the family read replies, reply, add evidence and escalate.
Every lookup checks that the visitor is the family, and answers 404 otherwise."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.accounts.services import KEPT_FOR_AFTER_SIGN_IN, SIGNED_OUT_FOR_INACTIVITY
from portal.core import kept_forms, kept_pages, procedures
from portal.core.files import FileRefused, download_response
from portal.core.forms import form_page
from portal.extensions import db, limiter
from portal.feedback import access, page_versions, phone_codes, promises, representation, services, summary
from portal.feedback.allowances import check_reply_file
from portal.feedback.models import STATUS_LABELS
from portal.feedback.tracking_forms import (
    CodeForm,
    EscalateForm,
    LearningUpdatesForm,
    ReplyForm,
    TrackForm,
    WithdrawRepresentativeForm,
)
from portal.notifications.services import can_send_texts

bp = Blueprint("feedback_tracking", __name__)


def _case_or_404(reference: str, with_page_version: bool = False):
    case = services.find_case(reference, with_page_version)
    if case is None or not services.family_can_see(case, current_user, access.browser_may_follow(case)):
        if not current_user.is_authenticated and (kept_forms.signed_in_before() or access.followed_before()):
            abort(_after_access_ended(reference))
        abort(404)
    if db.session.dirty:
        db.session.commit()  # the visit that keeps this browser's access alive
    return case


def _after_access_ended(reference: str):
    """A family whose sign-in or access to a case ran out is never shown a 404: they are asked
    to sign in, or for a new link, and what they had just sent is kept to be sent once they are
    back. Whether the case exists, the answer is the same."""
    page = kept_forms.keep_this_post() if request.method == "POST" else request.path
    db.session.commit()
    sent = request.method == "POST"
    if kept_forms.signed_in_before():
        flash(KEPT_FOR_AFTER_SIGN_IN if sent else SIGNED_OUT_FOR_INACTIVITY, "info")
        return redirect(url_for("accounts.sign_in", next=page))
    flash(
        "Your access to this case on this device has ended"
        + (
            ", so what you sent has not been sent yet. We have kept it: ask for a new link below and open "
            "it in this browser, and it will be there to check and send."
            if sent
            else ". To see the case again, ask for a new link below."
        ),
        "info",
    )
    return redirect(url_for("feedback_tracking.track", reference=services.normalise_reference(reference)[:20]))


def _per_case_key() -> str:
    return f"case:{services.normalise_reference(request.form.get('reference', ''))[:20]}"


def _posts_limited(setting: str, per_case_key, scope: str):
    """Posts throttled by ``setting`` twice over: per address, and per case (whoever asks), so
    that neither many addresses nor many cases get round it."""

    def limited(view):
        def limit():
            return current_app.config[setting]

        view = limiter.limit(limit, key_func=per_case_key, methods=["POST"], scope=f"{scope}-case")(view)
        return limiter.limit(limit, key_func=get_remote_address, methods=["POST"], scope=f"{scope}-address")(view)

    return limited


@bp.route("/track", methods=["GET", "POST"])
@form_page
@_posts_limited("EMAIL_LINK_LIMIT", _per_case_key, "track")
def track():
    # An old link from an email leads here with its reference filled in (?reference=).
    form = TrackForm(data={"reference": request.args.get("reference", "")[:20]} if request.method == "GET" else None)
    if form.validate_on_submit():
        if phone_codes.is_phone_number(form.contact.data) and can_send_texts(current_app.config):
            # The code page comes next whether or not anything was sent: no hint either way.
            phone_codes.send_case_code(form.reference.data, form.contact.data)
            session[CODE_FOR] = phone_codes.reference_key(form.reference.data)
            db.session.commit()
            return redirect(url_for("feedback_tracking.enter_code"))
        services.send_case_link(form.reference.data, form.contact.data)
        db.session.commit()
        return redirect(url_for("feedback_tracking.link_sent"))
    return render_template("feedback_tracking/track.html", form=form, code_minutes=phone_codes.CODE_MINUTES)


# The reference this browser asked for a code for: the code page checks codes against it.
CODE_FOR = "track_code_for"
WRONG_CODE = "The code is not right or has expired. Check the text message we sent you, or ask for a new code."


def _code_case_key() -> str:
    return f"code-case:{session.get(CODE_FOR, '')}"


@bp.route("/track/enter-code", methods=["GET", "POST"])
@form_page
@_posts_limited("TRACK_CODE_LIMIT", _code_case_key, "code")
def enter_code():
    """Enter the code we sent: the same page, and the same answer to a wrong code, whether or
    not the reference exists or the number matched."""
    reference = session.get(CODE_FOR)
    if not isinstance(reference, str) or not reference:
        return redirect(url_for("feedback_tracking.track"))
    form = CodeForm()
    if form.validate_on_submit():
        opened = phone_codes.use_case_code(reference, form.code.data)
        if opened is not None:
            access.grant_in_this_browser(opened)
            session.pop(CODE_FOR, None)
            db.session.commit()
            return redirect(url_for("feedback_tracking.case", reference=opened.reference))
        db.session.commit()  # the wrong try counts
        form.code.errors.append(WRONG_CODE)
    return render_template(
        "feedback_tracking/enter_code.html", form=form, reference=reference, minutes=phone_codes.CODE_MINUTES
    )


@bp.route("/track/check-your-email")
def link_sent():
    return render_template("feedback_tracking/link_sent.html")


def _open(case, token: str):
    """Follow an emailed link: into the case when it is good, or when this visitor may already
    see the case; otherwise to /track with the reference filled in, to ask for a new link."""
    opened = services.use_case_link(token, case.reference if case else None)
    if opened is not None:
        access.grant_in_this_browser(opened)
        db.session.commit()
        return redirect(url_for("feedback_tracking.case", reference=opened.reference))
    db.session.rollback()
    if case is not None and services.family_can_see(case, current_user, access.browser_may_follow(case)):
        db.session.commit()
        return redirect(url_for("feedback_tracking.case", reference=case.reference))
    flash(
        "That link has been used or has expired. Enter the email address or phone number you gave, "
        "and we will email you a new link.",
        "info",
    )
    return redirect(url_for("feedback_tracking.track", reference=case.reference if case else None))


@bp.route("/my-cases/<reference>/open/<token>")
def open_case_link(reference: str, token: str):
    """The link in each email about a case."""
    return _open(services.find_case(reference), token)


@bp.route("/track/open/<token>")
def open_link(token: str):
    """The links emailed before they named their case: still followed, or sent to /track."""
    found = services.find_case_link(token)
    return _open(found.case if found else None, token)


@bp.route("/my-cases")
@role_required(roles.PARENT)
def my_cases():
    return render_template(
        "feedback_tracking/my_cases.html", cases=services.cases_for_parent(current_user), status_labels=STATUS_LABELS
    )


def _render_case(case, reply_form=None, status=200):
    return (
        render_template(
            "feedback_tracking/case.html",
            case=case,
            messages=services.public_messages(case),
            form=reply_form or ReplyForm(),
            status_label=STATUS_LABELS.get(case.status, case.status),
            promise=promises.promise_of(case),
            next_stage=services.next_stage_request(case),
            final_stage_late=services.final_stage_overdue(case),
            procedure=procedures.procedure_of(case),
            mediation_deadline=services.mediation_deadline(case.decision_letter_date),
            updates_form=LearningUpdatesForm(data={"wanted": "no" if case.wants_learning_updates else "yes"}),
            told_us=summary.told_us_sections(case, file_url=lambda attachment: _file_url(case, attachment)),
            can_withdraw=representation.can_withdraw(case),
        ),
        status,
    )


@bp.route("/my-cases/<reference>")
def case(reference: str):
    case = _case_or_404(reference, with_page_version=True)
    # Kept for this visitor until the case changes: reading it again renders nothing.
    return kept_pages.rendered_for_viewer(
        ("case", case.id, page_versions.version_of(case), access.this_browser()), lambda: _render_case(case)[0]
    )


def _file_url(case, attachment) -> str:
    return url_for("feedback_tracking.download", reference=case.reference, attachment_id=attachment.id)


@bp.route("/my-cases/<reference>/what-you-told-us")
def what_you_told_us(reference: str):
    """The family's own answers on a page of their own, laid out to print."""
    case = _case_or_404(reference)
    return render_template(
        "feedback_tracking/what_you_told_us.html",
        case=case,
        opening=summary.told_us_opening(case),
        sections=summary.told_us_sections(case),
    )


@bp.route("/my-cases/<reference>/what-you-told-us.pdf")
def what_you_told_us_pdf(reference: str):
    case = _case_or_404(reference)
    data = summary.told_us_pdf(case)
    return download_response(data, "application/pdf", summary.told_us_filename(case))


@bp.route("/my-cases/<reference>/reply", methods=["POST"])
@form_page
def reply(reference: str):
    case = _case_or_404(reference)
    form = ReplyForm()
    if form.validate_on_submit():
        files = []
        upload = request.files.get("evidence")
        if upload is not None and upload.filename:
            try:
                files.append(check_reply_file(case, upload))
            except FileRefused as refused:
                form.evidence.errors.append(str(refused))
        if not form.body.data and not files and not form.evidence.errors:
            form.body.errors.append("Enter a message or choose a file to send")
        if not form.body.errors and not form.evidence.errors:
            services.family_reply(case, form.body.data or "", files, current_user)
            db.session.commit()
            flash("Your message has been sent.", "success")
            return redirect(url_for("feedback_tracking.case", reference=case.reference))
    return _render_case(case, form)


@bp.route("/my-cases/<reference>/escalate", methods=["GET", "POST"])
@form_page
def escalate(reference: str):
    case = _case_or_404(reference)
    if not services.can_escalate(case):
        return redirect(url_for("feedback_tracking.case", reference=case.reference))
    following = services.next_stage_request(case).stage
    form = EscalateForm()
    form.submit.label.text = f"Ask for a stage {following.number} review"
    if form.validate_on_submit():
        services.escalate(case, form.reason.data, current_user)
        db.session.commit()
        stage = procedures.stage_of(case)
        flash(
            f"You have asked for a stage {stage.number} review. We will acknowledge it within {stage.acknowledge_days} working days.",
            "success",
        )
        return redirect(url_for("feedback_tracking.case", reference=case.reference))
    return render_template("feedback_tracking/escalate.html", case=case, form=form, following=following)


@bp.route("/my-cases/<reference>/withdraw-representative", methods=["GET", "POST"])
@form_page
def withdraw_representative(reference: str):
    """The family ends their representative's authority, after confirming: from then on the
    representative is sent nothing about the case."""
    case = _case_or_404(reference)
    if not representation.can_withdraw(case):
        return redirect(url_for("feedback_tracking.case", reference=case.reference))
    form = WithdrawRepresentativeForm()
    if form.validate_on_submit():
        representation.withdraw_consent(case, current_user)
        db.session.commit()
        flash(
            f"You have withdrawn {case.representative_name or 'your representative'}'s authority. "
            "We will not send them anything more about this case.",
            "success",
        )
        return redirect(url_for("feedback_tracking.case", reference=case.reference))
    return render_template("feedback_tracking/withdraw_representative.html", case=case, form=form)


@bp.route("/my-cases/<reference>/close-access", methods=["POST"])
def close_access(reference: str):
    """The family ends every browser's access to the case, this one included."""
    case = _case_or_404(reference)
    access.end_grants(case)
    db.session.commit()
    flash(
        f"Case {case.reference} is closed on every device that followed it without an account. "
        "To see it again, ask for a new link.",
        "success",
    )
    return redirect(url_for("feedback_tracking.track"))


@bp.route("/my-cases/<reference>/learning-updates", methods=["POST"])
def learning_updates(reference: str):
    case = _case_or_404(reference)
    form = LearningUpdatesForm()
    if form.validate_on_submit() and form.wanted.data in ("yes", "no") and case.contact_email:
        wanted = form.wanted.data == "yes"
        services.set_learning_updates(case, wanted, current_user)
        db.session.commit()
        flash(
            "We will email you when we publish a change your feedback helped to bring about."
            if wanted
            else "We will not email you about changes we publish.",
            "success",
        )
    return redirect(url_for("feedback_tracking.case", reference=case.reference))


@bp.route("/my-cases/<reference>/files/<int:attachment_id>")
def download(reference: str, attachment_id: int):
    case = _case_or_404(reference)
    attachment = services.family_attachment(case, attachment_id)
    if attachment is None:
        abort(404)
    return download_response(attachment.blob.data, attachment.content_type, attachment.filename)
