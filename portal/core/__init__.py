"""What several domains share: time, the audit log, forms and access helpers."""
