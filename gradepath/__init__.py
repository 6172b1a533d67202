"""Gradepath: job grading and career records for a university's professional services and technical staff."""

__version__ = "0.1.0"
