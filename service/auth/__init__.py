"""Who may call what: API keys with scopes, the web UI's sign-in sessions, per-key rate limits."""
