"""`gradepath demo-jds [--count N] [--seed N]`: add the demo agreed JD library to a database.

A thin layer over :func:`gradepath.demo.jds.build_demo_jds`, run as the system (history
rows show "System"). It uses the org units and posts already there: professional services and
technical posts without a JD version are given the version of the JD for their job. It refuses,
changing nothing, when there are no org units or no grade structure in force.
"""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError

from gradepath.core.errors import ServiceError
from gradepath.demo.jds import build_demo_jds
from gradepath.people.models import OrgUnit


class Command(BaseCommand):
    help = ("Add demo job descriptions to this database: an agreed JD library across job families and grades "
            "1–10, JDs with several versions, open drafts, and posts sharing JD versions.")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=150,
                            help="How many agreed job descriptions to log in the library (default 150).")
        parser.add_argument("--seed", type=int, default=2026,
                            help="Seed for the text generator: the same seed gives the same text (default 2026).")

    def handle(self, *args, count: int, seed: int, **options):
        if count < 1:
            raise CommandError("Ask for at least one agreed job description (--count 1 or more).")
        if count > 5000:
            raise CommandError("The demo library is for trying things out: ask for at most 5,000 job descriptions.")
        units = list(OrgUnit.objects.filter(is_active=True))
        started = time.perf_counter()
        try:
            result = build_demo_jds(rng=random.Random(seed), org_units=units, actor=None, count=count)
        except ServiceError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(result.summary()))
        self.stdout.write(f"Done in {time.perf_counter() - started:.1f} seconds.")
