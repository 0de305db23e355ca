"""The staff side of a case: routing to a named caseworker, the Complaint Handling Code's
clocks, the caseworker's workspace, and oversight for managers."""
