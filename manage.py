#!/usr/bin/env python
"""Convenience wrapper so `python manage.py ...` works in a clone; same as the `gradepath` command."""

from gradepath.manage import main

if __name__ == "__main__":
    main()
