"""The person's own data, from their account page: what the export holds, and the ZIP."""

from flask import Blueprint, render_template
from flask_login import current_user

from portal.accounts import roles
from portal.accounts.permissions import role_required
from portal.core.files import download_response
from portal.core.time import london_today
from portal.extensions import db
from portal.rights import requests, your_data

bp = Blueprint("rights", __name__)


@bp.route("/account/your-data")
@role_required(roles.PARENT, roles.YOUTH)
def your_data_page():
    return render_template("rights/your_data.html", data_requests=requests.requests_of(current_user))


@bp.route("/account/your-data", methods=["POST"])
@role_required(roles.PARENT, roles.YOUTH)
def download():
    data = your_data.gather(current_user)
    archive = your_data.as_zip(data)
    your_data.record(current_user, data)
    db.session.commit()
    # download_response sends it as an attachment, never cached.
    return download_response(archive, "application/zip", f"your-data-{london_today().isoformat()}.zip")
