"""Who may call what: API keys with scopes, the web UI's sign-in sessions, the guard each route
declares (the rate limiter itself is service/common/ratelimit.py)."""
