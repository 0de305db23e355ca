"""The limits of the Ombudsman's Complaint Handling Code (2024), in working days, by stage.
Defined here once: the clocks, reports, PDFs and the family's pages read them from here."""

ACKNOWLEDGE_DAYS = {1: 5, 2: 5}
RESPOND_DAYS = {1: 10, 2: 20}
MAX_EXTENSION_DAYS = {1: 10, 2: 20}
