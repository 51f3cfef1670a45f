"""Assembly: one real-time feed for a citizens' assembly in the room and online."""

__version__ = "0.1.0"
