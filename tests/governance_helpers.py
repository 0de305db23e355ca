"""A year's governance pack, prepared through the real services, for tests that publish the
annual complaints report."""

from datetime import date

from portal.core.complaint_code import SECTION_KEYS
from portal.extensions import db
from portal.reports import governance
from portal.reports.models import MET, PARTLY_MET
from portal.reports.periods import FinancialYear

GOVERNANCE_RESPONSE = "Cabinet welcomed the report and asked for a progress update in six months."
MEMBER = "Councillor Priya Shah"


def prepare_pack(actor, year: FinancialYear, *, sections=SECTION_KEYS, governance_response=True) -> None:
    """Assess ``sections`` of the Code and, unless told not to, give the governance response.
    Commits."""
    for key in sections:
        governance.save_assessment(
            actor,
            year,
            key,
            compliance=PARTLY_MET if key == "stage_1" else MET,
            evidence=f"Evidence for {key}.",
            actions="Train every caseworker by June." if key == "stage_1" else None,
        )
    if governance_response:
        governance.save_governance(
            actor,
            year,
            member_responsible=MEMBER,
            meeting="Cabinet",
            meeting_on=date(year.start_year + 1, 6, 10),
            governance_response=GOVERNANCE_RESPONSE,
        )
    db.session.commit()
