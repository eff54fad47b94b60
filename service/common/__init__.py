"""Plain helpers that know nothing of the service: times, text checks, CSV cells, a token bucket."""
