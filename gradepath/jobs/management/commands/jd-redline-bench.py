"""`gradepath jd-redline-bench [--words 2500] [--repeat 5] [--json]`: time the JD comparison.

Builds two synthetic job descriptions of about ``--words`` words each (a long purpose, about
40 duties, a person specification, the other sections), the second one edited the way
people edit JDs (words replaced, inserted and deleted; duties added, removed, moved and
reworded; criteria changed), and times :func:`gradepath.jobs.redline.compare_versions`
plus the HTML rendering. Nothing touches the database. With ``--json`` it prints one object
``{"words", "seconds"}``: the longer JD's word count and the median time of one comparison.
"""

from __future__ import annotations

import json
import random
import statistics
import time

from django.core.management.base import BaseCommand, CommandError

from gradepath.jobs.redline import compare_versions, render_comparison_html, tokenize

VOCABULARY = (
    "support research teaching students staff laboratory equipment maintain prepare deliver manage "
    "coordinate advise monitor record report budget finance procurement health safety compliance "
    "training develop service users academic colleagues department faculty division university "
    "schedule plan review ensure accurate timely effective quality standards procedures policies "
    "systems data records stock suppliers contracts meetings committees enquiries events projects "
    "technical specialist operational administrative the and of to in for with on as by within across "
    "including relevant appropriate required regular annual daily weekly external internal key new "
    "existing complex routine sensitive confidential information analysis samples experiments "
    "instruments facilities workshop estates infrastructure network software hardware accounts"
).split()


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(VOCABULARY) for _ in range(n)]
    words[0] = words[0].capitalize()
    for i in range(6, n - 1, rng.randint(7, 12)):
        words[i] += ","
    return " ".join(words) + "."


def _paragraphs(rng: random.Random, words: int) -> str:
    out, left = [], words
    while left > 0:
        n = min(left, rng.randint(40, 70))
        out.append(" ".join(_sentence(rng, max(4, n // 3)) for _ in range(3)))
        left -= n
    return "\n".join(out)


def build_pair(words: int, seed: int = 7) -> tuple[dict, dict]:
    """Two JDs as dicts of sections: an original of about ``words`` words and an edited copy."""
    rng = random.Random(seed)  # noqa: S311 - synthetic benchmark text, not security
    duties_words = int(words * 0.55)
    old = {
        "job_title": "Senior Research Laboratory Technician",
        "purpose": _paragraphs(rng, int(words * 0.14)),
        "duties": [_sentence(rng, rng.randint(20, 36)) for _ in range(max(1, duties_words // 28))],
        "line_management": _paragraphs(rng, int(words * 0.04)),
        "working_relationships": _paragraphs(rng, int(words * 0.06)),
        "person_spec": [{"text": _sentence(rng, rng.randint(8, 16)), "kind": rng.choice(["essential", "desirable"]),
                         "assessed": rng.choice(["application", "interview", "both"])}
                        for _ in range(max(1, int(words * 0.12) // 12))],
        "additional_information": _paragraphs(rng, int(words * 0.09)),
    }
    new = {key: (list(value) if isinstance(value, list) else value) for key, value in old.items()}
    new["person_spec"] = [dict(c) for c in old["person_spec"]]

    def edit(text: str, rate: float) -> str:
        tokens = text.split(" ")
        out = []
        for token in tokens:
            roll = rng.random()
            if roll < rate / 3:
                continue  # deleted
            if roll < 2 * rate / 3:
                out.append(rng.choice(VOCABULARY))  # replaced
                continue
            out.append(token)
            if roll > 1 - rate / 3:
                out.append(rng.choice(VOCABULARY))  # inserted
        return " ".join(out)

    for key in ("purpose", "line_management", "working_relationships", "additional_information"):
        new[key] = edit(new[key], 0.08)
    duties = new["duties"]
    for index in rng.sample(range(len(duties)), k=min(6, len(duties))):
        duties[index] = edit(duties[index], 0.15)
    for _ in range(min(3, len(duties) // 4)):
        duties.insert(rng.randrange(len(duties)), duties.pop(rng.randrange(len(duties))))
    for _ in range(min(2, len(duties) // 4)):
        duties.pop(rng.randrange(len(duties)))
    for _ in range(2):
        duties.insert(rng.randrange(len(duties) + 1), _sentence(rng, 25))
    for criterion in rng.sample(new["person_spec"], k=min(3, len(new["person_spec"]))):
        criterion["text"] = edit(criterion["text"], 0.2)
        criterion["kind"] = "essential" if criterion["kind"] == "desirable" else "desirable"
    return old, new


def count_words(sections: dict) -> int:
    texts = [sections[k] for k in ("job_title", "purpose", "line_management", "working_relationships",
                                   "additional_information")]
    texts += sections["duties"] + [c["text"] for c in sections["person_spec"]]
    return sum(1 for text in texts for token in tokenize(text) if any(ch.isalnum() for ch in token))


class Command(BaseCommand):
    help = "Time the comparison (redline) of two long job descriptions."

    def add_arguments(self, parser):
        parser.add_argument("--words", type=int, default=2500, help="Words in each job description (default 2,500).")
        parser.add_argument("--repeat", type=int, default=5, help="Runs to time; the median is reported.")
        parser.add_argument("--json", action="store_true", dest="as_json", help='Print {"words", "seconds"} as JSON.')

    def handle(self, *args, words: int, repeat: int, as_json: bool, **options):
        if not 100 <= words <= 100_000:
            raise CommandError("Give --words between 100 and 100,000.")
        if not 1 <= repeat <= 100:
            raise CommandError("Give --repeat between 1 and 100.")
        old, new = build_pair(words)
        size = max(count_words(old), count_words(new))
        timings = []
        comparison = None
        for _ in range(repeat):
            started = time.perf_counter()
            comparison = compare_versions(old, new)
            render_comparison_html(comparison)
            timings.append(time.perf_counter() - started)
        seconds = statistics.median(timings)
        if as_json:
            self.stdout.write(json.dumps({"words": size, "seconds": round(seconds, 4)}))
            return
        assert comparison is not None
        self.stdout.write(f"Compared two job descriptions of {count_words(old):,} and {count_words(new):,} words.")
        self.stdout.write(f"Median of {repeat} run{'s' if repeat != 1 else ''}: {seconds * 1000:.1f} ms "
                          f"(fastest {min(timings) * 1000:.1f} ms, slowest {max(timings) * 1000:.1f} ms).")
        self.stdout.write(f"Changes found: {comparison.summary.as_sentence()}")
