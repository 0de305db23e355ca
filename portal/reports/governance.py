"""The governance pack of a year's complaints report (Complaint Handling Code 8.1 to 8.3 and
9.5 to 9.7): the council's self-assessment against each section of the Code, the Ombudsman's
annual letter, any findings of non-compliance, a written analysis and the governing body's
response, with the Member Responsible for Complaints.

Managers prepare it as a working draft before the year is published; publishing
(portal.reports.annual) copies it, as ``PackContent``, into the frozen version. Editing the
draft after that changes nothing published until a correction is published. The functions here
record audit events and leave the commit to the caller.
"""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.core import audit
from portal.core.complaint_code import SECTION_KEYS, SECTION_LABELS, SECTIONS
from portal.core.rules import RuleError
from portal.extensions import db
from portal.reports.models import (
    COMPLIANCE_LABELS,
    AnnualReportAssessment,
    AnnualReportFinding,
    AnnualReportPack,
)
from portal.reports.periods import FinancialYear

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "complaints_report.assessment_saved": "Annual report self-assessment saved",
    "complaints_report.ombudsman_letter_saved": "Annual report Ombudsman letter figures saved",
    "complaints_report.finding_added": "Annual report finding of non-compliance added",
    "complaints_report.finding_removed": "Annual report finding of non-compliance removed",
    "complaints_report.analysis_saved": "Annual report analysis saved",
    "complaints_report.governance_saved": "Annual report governance response saved",
}

# The parts of the pack, as the task list names them: (key, name).
SELF_ASSESSMENT = "self_assessment"
OMBUDSMAN_LETTER = "ombudsman_letter"
FINDINGS = "findings"
ANALYSIS = "analysis"
GOVERNANCE = "governance"
TASK_LABELS = {
    SELF_ASSESSMENT: "Self-assessment against the Code",
    OMBUDSMAN_LETTER: "The Ombudsman's annual letter",
    FINDINGS: "Findings of non-compliance",
    ANALYSIS: "Analysis",
    GOVERNANCE: "Governance response",
}
OMBUDSMAN_FIELDS = ("received", "decided", "upheld", "uphold_rate", "compliance_rate", "note")
GOVERNANCE_FIELDS = ("member_responsible", "meeting", "meeting_on", "governance_response")


class PackError(RuleError):
    """A change the rules do not allow, in words for the manager."""


@dataclass(frozen=True)
class Missing:
    """Something publishing needs that the pack does not have yet: the words for the error
    summary, and the page (a task, and a section of the Code where it is one) to fix it on."""

    message: str
    task: str
    section: str | None = None


# --- reading ---------------------------------------------------------------------------------


def pack_for(year: FinancialYear) -> AnnualReportPack | None:
    """The year's pack with its assessments and findings: three queries at most."""
    return db.session.scalar(
        sa.select(AnnualReportPack)
        .options(selectinload(AnnualReportPack.assessments), selectinload(AnnualReportPack.findings))
        .where(AnnualReportPack.year == year.start_year)
    )


def assessments_of(pack: AnnualReportPack | None) -> dict[str, AnnualReportAssessment]:
    return {row.section: row for row in pack.assessments} if pack else {}


def governance_done(pack: AnnualReportPack | None) -> bool:
    return pack is not None and all(getattr(pack, name) for name in GOVERNANCE_FIELDS)


def ombudsman_done(pack: AnnualReportPack | None) -> bool:
    return pack is not None and pack.ombudsman_received is not None


def missing(pack: AnnualReportPack | None) -> list[Missing]:
    """What publishing the year still needs: every section's assessment and the governance
    response. The letter, the findings and the analysis are shown when given."""
    found = assessments_of(pack)
    gaps = [
        Missing(f"Enter the self-assessment for {SECTION_LABELS[key]}", SELF_ASSESSMENT, key)
        for key in SECTION_KEYS
        if key not in found
    ]
    if not governance_done(pack):
        gaps.append(
            Missing(
                "Enter the governance response, with the Member Responsible for Complaints and the meeting",
                GOVERNANCE,
            )
        )
    return gaps


@dataclass(frozen=True)
class SectionAssessment:
    key: str
    label: str
    compliance: str
    compliance_label: str
    evidence: str
    actions: str | None


@dataclass(frozen=True)
class PackContent:
    """The pack as the published report shows it, copied out of the draft at publication."""

    assessments: list[SectionAssessment]
    ombudsman: dict[str, int | str | None] | None
    findings: list[tuple[str, str]]
    analysis: str | None
    member_responsible: str
    meeting: str
    meeting_on: date
    governance_response: str

    def figures(self) -> list[tuple[str, str, str, int | str | None]]:
        """The pack's figures as (section, measure, breakdown, value), for the spreadsheet."""
        rows = [
            ("Self-assessment", "Compliance with the Code", row.label, row.compliance_label) for row in self.assessments
        ]
        if self.ombudsman:
            for name, label in OMBUDSMAN_FIGURES.items():
                if self.ombudsman.get(name) is not None:
                    rows.append(("Ombudsman's annual letter", label, "", self.ombudsman[name]))
        rows.append(("Ombudsman's annual letter", "Findings of non-compliance with the Code", "", len(self.findings)))
        return rows


OMBUDSMAN_FIGURES = {
    "received": "Complaints and enquiries received by the Ombudsman",
    "decided": "Complaints and enquiries decided",
    "upheld": "Complaints upheld",
    "uphold_rate": "Uphold rate (%)",
    "compliance_rate": "Recommendations complied with (%)",
}


def content_of(pack: AnnualReportPack) -> PackContent:
    """The pack as it stands, to publish. Needs a complete pack (``missing`` is empty)."""
    found = assessments_of(pack)
    assessments = [
        SectionAssessment(
            key,
            SECTION_LABELS[key],
            found[key].compliance,
            COMPLIANCE_LABELS[found[key].compliance],
            found[key].evidence,
            found[key].actions,
        )
        for key, _, _ in SECTIONS
    ]
    ombudsman = (
        {name: getattr(pack, f"ombudsman_{name}") for name in OMBUDSMAN_FIELDS} if ombudsman_done(pack) else None
    )
    return PackContent(
        assessments=assessments,
        ombudsman=ombudsman,
        findings=[(finding.found, finding.council_action) for finding in pack.findings],
        analysis=pack.analysis,
        member_responsible=pack.member_responsible,
        meeting=pack.meeting,
        meeting_on=pack.meeting_on,
        governance_response=pack.governance_response,
    )


# --- writing ---------------------------------------------------------------------------------


def _pack(actor: User, year: FinancialYear) -> AnnualReportPack:
    pack = pack_for(year)
    if pack is None:
        pack = AnnualReportPack(year=year.start_year)
        db.session.add(pack)
    pack.updated_by_id = actor.id
    return pack


def save_assessment(
    actor: User, year: FinancialYear, section: str, *, compliance: str, evidence: str, actions: str | None
) -> AnnualReportAssessment:
    if section not in SECTION_KEYS:
        raise PackError("That is not a section of the Code")
    if compliance not in COMPLIANCE_LABELS:
        raise PackError("Select whether the council meets this section", "compliance")
    if not (evidence or "").strip():
        raise PackError("Enter the evidence", "evidence")
    pack = _pack(actor, year)
    row = assessments_of(pack).get(section)
    if row is None:
        row = AnnualReportAssessment(section=section, compliance=compliance, evidence=evidence)
        pack.assessments.append(row)
    row.compliance, row.evidence, row.actions = compliance, evidence, actions or None
    db.session.flush()
    audit.record(actor, "complaints_report.assessment_saved", pack, year=year.start_year, section=section)
    return row


def save_ombudsman_letter(actor: User, year: FinancialYear, **values) -> AnnualReportPack:
    pack = _pack(actor, year)
    for name in OMBUDSMAN_FIELDS:
        setattr(pack, f"ombudsman_{name}", values.get(name))
    db.session.flush()
    audit.record(actor, "complaints_report.ombudsman_letter_saved", pack, year=year.start_year)
    return pack


def add_finding(actor: User, year: FinancialYear, *, found: str, council_action: str) -> AnnualReportFinding:
    if not (found or "").strip():
        raise PackError("Enter what the Ombudsman found", "found")
    if not (council_action or "").strip():
        raise PackError("Enter what the council did", "council_action")
    pack = _pack(actor, year)
    finding = AnnualReportFinding(found=found, council_action=council_action)
    pack.findings.append(finding)
    db.session.flush()
    audit.record(actor, "complaints_report.finding_added", pack, year=year.start_year, finding=finding.id)
    return finding


def remove_finding(actor: User, year: FinancialYear, finding_id: int) -> bool:
    """Remove one of the year's findings; False if the year has no such finding."""
    pack = pack_for(year)
    finding = next((row for row in pack.findings if row.id == finding_id), None) if pack else None
    if finding is None:
        return False
    pack.findings.remove(finding)
    pack.updated_by_id = actor.id
    db.session.flush()
    audit.record(actor, "complaints_report.finding_removed", pack, year=year.start_year, finding=finding_id)
    return True


def save_analysis(actor: User, year: FinancialYear, analysis: str | None) -> AnnualReportPack:
    pack = _pack(actor, year)
    pack.analysis = analysis or None
    db.session.flush()
    audit.record(actor, "complaints_report.analysis_saved", pack, year=year.start_year)
    return pack


def save_governance(
    actor: User,
    year: FinancialYear,
    *,
    member_responsible: str,
    meeting: str,
    meeting_on: date,
    governance_response: str,
) -> AnnualReportPack:
    pack = _pack(actor, year)
    pack.member_responsible = member_responsible
    pack.meeting = meeting
    pack.meeting_on = meeting_on
    pack.governance_response = governance_response
    db.session.flush()
    audit.record(actor, "complaints_report.governance_saved", pack, year=year.start_year)
    return pack
