"""`ibanbot run`: the supervisor (locks, health, backoff) and the scheduler."""
