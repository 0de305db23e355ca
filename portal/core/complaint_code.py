"""The Ombudsman's Complaint Handling Code (2024): its two stages, and its limits in working days
by stage. Defined here once: the clocks, reports, PDFs and the family's pages read them from here
(templates as ``complaint_code``, a template global)."""

STAGE_1 = 1
STAGE_2 = 2
STAGES = (STAGE_1, STAGE_2)
STAGE_LABELS = {STAGE_1: "Stage 1", STAGE_2: "Stage 2"}

ACKNOWLEDGE_DAYS = {STAGE_1: 5, STAGE_2: 5}
RESPOND_DAYS = {STAGE_1: 10, STAGE_2: 20}
MAX_EXTENSION_DAYS = {STAGE_1: 10, STAGE_2: 20}

# Code 2.2: a complaint made this many months after the family knew of the problem needs a
# decision, with reasons, on whether there is good reason to look at it now.
LATE_COMPLAINT_MONTHS = 12

# Where a family goes when the council's procedure is done, or has let them down.
OMBUDSMAN_NAME = "Local Government and Social Care Ombudsman"
OMBUDSMAN_WEBSITE = "www.lgo.org.uk"
OMBUDSMAN_PHONE = "0300 061 0614"
OMBUDSMAN_DETAILS = (
    f"The {OMBUDSMAN_NAME} looks at complaints about councils for free. "
    f"Website: {OMBUDSMAN_WEBSITE}. Telephone: {OMBUDSMAN_PHONE}."
)

# The Code's sections, in its order, as a council assesses itself against them each year
# (Code 8.1): (key, section number, heading). Section 6's two stages are assessed apart.
SECTIONS = (
    ("definitions", "1", "Definitions"),
    ("exclusions", "2", "Exclusions"),
    ("accessibility", "3", "Accessibility and awareness"),
    ("staff", "4", "Complaint handling staff"),
    ("process", "5", "The complaint handling process"),
    ("stage_1", "6", "Complaint stages: stage 1"),
    ("stage_2", "6", "Complaint stages: stage 2"),
    ("putting_right", "7", "Putting things right"),
    ("self_assessment", "8", "Self-assessment, reporting and compliance"),
    ("scrutiny", "9", "Scrutiny and oversight: continuous learning and improvement"),
)
SECTION_KEYS = tuple(key for key, _, _ in SECTIONS)
SECTION_LABELS = {key: f"Section {number}: {heading}" for key, number, heading in SECTIONS}
