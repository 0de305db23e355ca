"""The retention schedule applied: the daily command that anonymises or deletes what has had its
time (``apply``), the record of each run (``models``), and the admin page (``views``)."""
