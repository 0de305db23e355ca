"""The public pages every visitor can read: the start page, the accessibility statement,
privacy notice, cookies, contact details, the glossary of words families meet, easy-read
versions of the feedback pages, and the health check."""
