"""The SEND Improvement Board's packs, for managers at /manage/improvement/board-packs: produce
a pack (frozen as it stands), read it and its PDF, and record the board's decisions against it.
Thin: parse, call portal.reports.board_pack, commit, render."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from markupsafe import Markup

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.files import download_response
from portal.core.forms import form_page
from portal.core.rules import show_on_form
from portal.extensions import db
from portal.reports import board_pack
from portal.reports.board_pack_forms import DecisionForm, ProduceForm

bp = Blueprint("reports_board_packs", __name__, url_prefix="/manage/improvement/board-packs")

managers_only = role_required(roles.MANAGER)


@bp.route("", methods=["GET", "POST"])
@form_page
@managers_only
def index():
    form = ProduceForm()
    if form.validate_on_submit():
        try:
            document = board_pack.produce(current_user)
        except board_pack.BoardPackError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            flash("The board pack is produced. It will not change: produce another for a later meeting.", "success")
            return redirect(url_for("reports_board_packs.pack", document_id=document.id))
    return render_template("reports_board_packs/index.html", form=form, packs=board_pack.packs())


@bp.route("/<int:document_id>", methods=["GET", "POST"])
@form_page
@managers_only
def pack(document_id: int):
    document = board_pack.pack_or_404(document_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            board_pack.record_decision(
                current_user, document, form.decision.data, owner=form.owner.data, due_on=form.due_on.data
            )
        except board_pack.BoardPackError as problem:
            db.session.rollback()
            show_on_form(form, problem)
        else:
            db.session.commit()
            flash("The decision is recorded against this pack.", "success")
            return redirect(url_for("reports_board_packs.pack", document_id=document.id, _anchor="decisions"))
    return render_template(
        "reports_board_packs/pack.html",
        document=document,
        # Stored as the portal's own templates rendered it, with every value escaped.
        content=Markup(document.content_html),
        decisions=board_pack.decisions_of(document),
        form=form,
    )


@bp.get("/<int:document_id>.pdf")
@managers_only
def pack_pdf(document_id: int):
    document = board_pack.pack_or_404(document_id)
    return download_response(board_pack.pdf_of(document.id), "application/pdf", board_pack.pdf_filename(document))
