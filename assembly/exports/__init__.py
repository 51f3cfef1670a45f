"""Outcomes leave the room: exports of an event's data, and its round-ups per theme."""
