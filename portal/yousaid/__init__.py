"""You Said, We Did: what families said in a term and what the council did about it, with the
evidence behind each entry, the public pages and open data, and the managers' pages.

It reads the other areas; only the reports (portal.reports) read it."""
