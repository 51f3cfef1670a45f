"""Results of polls as pure functions: no database, no web, no clock.

Each module takes plain counts or answers and returns plain data or text; the poll kinds and the
templates call them. `docs/results.md` says in plain words how each result is computed.
"""
