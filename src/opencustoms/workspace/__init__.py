"""Officer workspace: HTTP API, web UI, users, roles, offices and the audit trail."""
