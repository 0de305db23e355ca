"""The public pages every visitor can read: the start page, the accessibility statement,
privacy notice, cookies, contact details, and the health check."""
