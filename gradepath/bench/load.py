"""``gradepath bench load``: signed-in clients drive a running Gradepath for a bounded time.

A small client of its own (threads and ``http.client``; nothing to install): each of
``clients`` threads signs in through the login form as one of the demo logins (in turn),
collects the cases it can open from its case list, then requests, until the time is up and
without pause, a weighted mix of the four most-used pages: My home (where everyone lands), the
inbox (where the people with work start), a case page (where the work is done) and the case
list. Every answer but a 200 (a redirect to the login page, a 500, a time-out, a refused
connection) is an error. It reports requests per second, the p50, p95 and p99 latency, and the
errors, overall and per page.

Loopback only: a server on another machine is refused (this is a benchmark, never a way to load
someone else's server). Bounded: at most ``MAX_CLIENTS`` clients for at most ``MAX_SECONDS``;
the clients sign in before the clock starts, and stop starting requests when it runs out.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import random
import re
import socket
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

MAX_CLIENTS = 200
MAX_SECONDS = 600.0
SIGN_IN_SECONDS = 300.0  # for every client to sign in before the clock starts

DEFAULT_USERS = ("staff", "manager", "fmhps", "delegate", "hod", "hrbp", "hrservices", "admin")
# My home is where every sign-in lands; the case page is where the work is done; the inbox is
# where those with work start; the case list is how the rest find a case.
DEFAULT_MIX: dict[str, int] = {"home": 3, "inbox": 2, "case": 3, "cases": 2}
PATHS = {"home": "/", "inbox": "/inbox/", "cases": "/grading/", "case": "/grading/{pk}/"}
LOGIN_PATH = "/accounts/login/"

_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken"\s+value="([^"]+)"')
_CASE_LINK = re.compile(r'href="(?:[^"]*?)/grading/(\d+)/"')


class LoadError(Exception):
    """Something the user must fix (a message, not a traceback)."""


def parse_mix(text: str) -> dict[str, int]:
    """``home=3,inbox=2,case=3,cases=2`` → weights; unknown pages and bad weights are refused."""
    mix: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, weight = part.partition("=")
        name = name.strip()
        if name not in PATHS:
            raise LoadError(f"There is no page {name!r} in the mix; the pages are {', '.join(PATHS)}.")
        try:
            mix[name] = int(weight)
        except ValueError:
            raise LoadError(f"The weight of {name} must be a whole number (for example {name}=2).") from None
        if mix[name] < 0:
            raise LoadError(f"The weight of {name} cannot be negative.")
    if not any(mix.values()):
        raise LoadError("The mix needs at least one page with a weight above 0.")
    return mix


def format_mix(mix: Mapping[str, int]) -> str:
    return ",".join(f"{name}={weight}" for name, weight in mix.items())


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    prefix: str  # a path the site is served under, without the trailing slash ("" at the root)

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"


def loopback_target(url: str) -> Target:
    """The server to load, refused unless every address its host name resolves to is this machine's."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadError(f"{url!r} is not an address like http://127.0.0.1:8000.")
    if parts.query or parts.fragment or parts.username:
        raise LoadError("Give the server's address alone (no query, fragment or login in it).")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise LoadError(f"The port in {url!r} is not a port number.") from None
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)}
    except socket.gaierror:
        raise LoadError(f"The host name {parts.hostname!r} could not be resolved.") from None
    outside = sorted(a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_loopback)
    if outside or not addresses:
        raise LoadError(f"{parts.hostname} is not this machine ({', '.join(outside)}): the load test only runs "
                        "against a server on the loopback interface (127.0.0.1, ::1 or localhost).")
    return Target(parts.scheme, parts.hostname, port, parts.path.rstrip("/"))


# --- One signed-in client --------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


class Session:
    """One browser: a connection (reopened when the server closes it) and its cookies."""

    def __init__(self, target: Target, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self._connection: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self._connection is None:
            cls = http.client.HTTPSConnection if self.target.scheme == "https" else http.client.HTTPConnection
            self._connection = cls(self.target.host, self.target.port, timeout=self.timeout)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def request(self, method: str, path: str, *, form: Mapping[str, str] | None = None) -> Answer:
        headers = {"Host": f"{self.target.host}:{self.target.port}", "User-Agent": "gradepath-bench-load",
                   "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = self.target.origin + self.target.prefix + LOGIN_PATH
        for attempt in (1, 2):
            connection = self._connect()
            try:
                connection.request(method, self.target.prefix + path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server had closed: open a new one, once.
                self.close()
                if attempt == 2:
                    raise
                continue
            except BaseException:
                self.close()
                raise
            if response.will_close:
                self.close()
            for header in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0" or not morsel.value:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Answer(response.status, response.headers, data)
        raise AssertionError("unreachable")  # pragma: no cover

    def sign_in(self, username: str, password: str) -> None:
        form = self.request("GET", LOGIN_PATH)
        found = _CSRF_INPUT.search(form.body.decode("utf-8", "replace"))
        if form.status != 200 or not found:
            raise LoadError(f"The login page answered {form.status} without its form: is {self.target.origin} "
                            "a Gradepath server?")
        answer = self.request("POST", LOGIN_PATH, form={"username": username, "password": password,
                                                        "csrfmiddlewaretoken": found.group(1), "next": "/"})
        if answer.status != 302 or not any("sessionid" in name for name in self.cookies):
            why = "locked out after too many failures" if answer.status == 403 or b"locked" in answer.body.lower() \
                else "wrong username or password, or no such login on this server"
            raise LoadError(f"Signing in as {username} failed ({answer.status}: {why}).")

    def case_ids(self) -> list[int]:
        """The cases this login can open, from its case list and inbox (as a person would find them)."""
        found: list[int] = []
        for path in (PATHS["cases"], PATHS["inbox"]):
            answer = self.request("GET", path)
            if answer.status == 200:
                found += [int(pk) for pk in _CASE_LINK.findall(answer.body.decode("utf-8", "replace"))]
        return sorted(set(found))


# --- The server's CPU time ---------------------------------------------------------------------------


def process_tree_cpu_seconds(pid: int) -> float:
    """CPU time (user and system) used so far by the processes below ``pid`` (gunicorn's workers),
    from /proc; a worker that ends in between takes its time with it (so keep workers alive)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    seen: set[int] = set()
    todo = [pid]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    todo += [int(child) for child in handle.read().split()]
            if current != pid:
                with open(f"/proc/{current}/stat") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / tick


def check_server_pid(pid: int) -> None:
    if not os.path.isdir(f"/proc/{pid}"):
        raise LoadError(f"There is no process {pid} on this machine (give the gunicorn master's process id), "
                        "or this system has no /proc.")


# --- The run ---------------------------------------------------------------------------------------


@dataclass
class Sample:
    page: str
    seconds: float
    error: str  # "" when the page answered 200
    login: str = ""


@dataclass
class LoadReport:
    url: str
    clients: int
    seconds_asked: float
    seconds: float
    sign_in_seconds: float
    mix: dict[str, int]
    users: list[str]
    samples: list[Sample] = field(default_factory=list)
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)
    no_cases: list[str] = field(default_factory=list)
    server_cpu_seconds: float | None = None  # the workers' CPU time while the clock ran (--server-pid)

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        if self.server_cpu_seconds is None or not self.samples:
            return None
        return 1000 * self.server_cpu_seconds / len(self.samples)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if s.error)

    @property
    def per_second(self) -> float:
        return len(self.samples) / self.seconds if self.seconds else 0.0

    def _stats(self, samples: Sequence[Sample]) -> dict[str, Any]:
        times = sorted(s.seconds * 1000 for s in samples)
        if not times:
            return {"requests": 0}
        return {"requests": len(times), "errors": sum(1 for s in samples if s.error),
                "p50_ms": round(statistics.median(times), 1), "p95_ms": round(_rank(times, 0.95), 1),
                "p99_ms": round(_rank(times, 0.99), 1), "max_ms": round(times[-1], 1)}

    def as_json(self) -> dict[str, Any]:
        by_page: dict[str, list[Sample]] = defaultdict(list)
        by_login: dict[str, dict[str, list[Sample]]] = defaultdict(lambda: defaultdict(list))
        for s in self.samples:
            by_page[s.page].append(s)
            by_login[s.login][s.page].append(s)
        return {
            "url": self.url, "clients": self.clients, "seconds_asked": self.seconds_asked,
            "seconds": round(self.seconds, 2), "sign_in_seconds": round(self.sign_in_seconds, 2),
            "requests_per_second": round(self.per_second, 1), "mix": self.mix, "users": self.users,
            "overall": self._stats(self.samples),
            "pages": {page: self._stats(samples) for page, samples in sorted(by_page.items())},
            "by_login": {login: {page: self._stats(samples) for page, samples in sorted(pages.items())}
                         for login, pages in sorted(by_login.items())},
            "errors": dict(Counter(s.error for s in self.samples if s.error).most_common(10)),
            "logins_without_cases": self.no_cases,
            "server_cpu_seconds": None if self.server_cpu_seconds is None else round(self.server_cpu_seconds, 2),
            "server_cpu_ms_per_request": None if self.server_cpu_ms_per_request is None
            else round(self.server_cpu_ms_per_request, 1),
            "load_before": [round(x, 2) for x in self.load_before],
            "load_after": [round(x, 2) for x in self.load_after], "cores": os.cpu_count(),
        }

    def text(self) -> str:
        data = self.as_json()
        overall = data["overall"]
        lines = [
            f"{self.clients} signed-in clients for {self.seconds:.1f} s against {self.url} (mix "
            f"{format_mix(self.mix)}; signing in took {self.sign_in_seconds:.1f} s, before the clock):",
            f"  {overall.get('requests', 0)} requests, {self.per_second:.1f} requests/s, {self.errors} errors",
        ]
        if overall.get("requests"):
            lines.append(f"  latency: p50 {overall['p50_ms']} ms, p95 {overall['p95_ms']} ms, p99 {overall['p99_ms']} "
                         f"ms, max {overall['max_ms']} ms")
        for page, stats in data["pages"].items():
            lines.append(f"  {page:6} {stats['requests']:6} requests, {stats['errors']} errors, p50 {stats['p50_ms']} "
                         f"ms, p95 {stats['p95_ms']} ms, p99 {stats['p99_ms']} ms")
        for error, count in data["errors"].items():
            lines.append(f"  error ×{count}: {error}")
        if self.server_cpu_ms_per_request is not None:
            cores = os.cpu_count() or 1
            lines.append(f"  web workers' CPU: {self.server_cpu_ms_per_request:.1f} ms a request ({self.server_cpu_seconds:.1f}"
                         f" s in all), so at most {cores * 1000 / self.server_cpu_ms_per_request:.0f} requests/s on "
                         f"{cores} cores with nothing else running (the database's own CPU not counted)")
        if self.no_cases:
            lines.append(f"  logins with no case to open (they skip the case page): {', '.join(self.no_cases)}")
        lines.append(f"  machine: {os.cpu_count()} cores, load average {self.load_before[0]:.2f} at the start, "
                     f"{self.load_after[0]:.2f} at the end (the clients run on this machine too)")
        return "\n".join(lines)


def _rank(ordered: Sequence[float], share: float) -> float:
    return ordered[max(0, min(len(ordered) - 1, int(-(-share * len(ordered) // 1)) - 1))]


def run_load(url: str, *, clients: int = 50, seconds: float = 60, users: Sequence[str] = DEFAULT_USERS,
             password: str, mix: Mapping[str, int] | None = None, timeout: float = 30, seed: int = 13,
             server_pid: int | None = None, progress: Callable[[str], None] | None = None) -> LoadReport:
    """Sign ``clients`` clients in, then load the server for ``seconds``; the report of what it answered."""
    target = loopback_target(url)
    if not 1 <= clients <= MAX_CLIENTS:
        raise LoadError(f"--clients must be from 1 to {MAX_CLIENTS}.")
    if not 0 < seconds <= MAX_SECONDS:
        raise LoadError(f"--seconds must be more than 0 and at most {MAX_SECONDS:.0f}.")
    if not 0 < timeout <= 300:
        raise LoadError("--timeout must be more than 0 and at most 300 seconds.")
    if not users:
        raise LoadError("Name at least one login in --users.")
    if server_pid is not None:
        check_server_pid(server_pid)
    mix = dict(mix or DEFAULT_MIX)
    say = progress or (lambda message: None)
    report = LoadReport(url=target.origin + target.prefix, clients=clients, seconds_asked=seconds, seconds=0.0,
                        sign_in_seconds=0.0, mix=mix, users=list(users))
    start_gate = threading.Barrier(clients + 1)
    clock: dict[str, float] = {}
    failures: list[str] = []
    results: list[list[Sample]] = [[] for _ in range(clients)]
    no_cases: set[str] = set()
    lock = threading.Lock()

    def client(n: int) -> None:
        session = Session(target, timeout)
        username = users[n % len(users)]
        rng = random.Random(seed * 1000 + n)
        cases: list[int] = []
        try:
            session.sign_in(username, password)
            cases = session.case_ids()
        except (LoadError, OSError, http.client.HTTPException) as error:
            with lock:
                failures.append(str(error) if isinstance(error, LoadError) else
                                f"Signing in as {username} failed: {type(error).__name__}: {error}")
        try:
            start_gate.wait(timeout=SIGN_IN_SECONDS)
        except threading.BrokenBarrierError:
            session.close()
            return
        if failures or "deadline" not in clock:
            session.close()
            return
        pages = [p for p, w in mix.items() if w > 0 and (p != "case" or cases)]
        if not cases and mix.get("case"):
            with lock:
                no_cases.add(username)
        if not pages:
            session.close()
            return
        weights = [mix[p] for p in pages]
        samples = results[n]
        deadline = clock["deadline"]
        while time.monotonic() < deadline:
            page = rng.choices(pages, weights)[0]
            path = PATHS[page].format(pk=rng.choice(cases)) if page == "case" else PATHS[page]
            started = time.monotonic()
            try:
                answer = session.request("GET", path)
                error = "" if answer.status == 200 else (
                    f"{page}: {answer.status}" + (f" to {answer.headers.get('Location', '')}"
                                                  if 300 <= answer.status < 400 else ""))
            except (OSError, http.client.HTTPException) as exc:
                error = f"{page}: {type(exc).__name__}: {exc}"[:200]
            samples.append(Sample(page, time.monotonic() - started, error, username))
        session.close()

    threads = [threading.Thread(target=client, args=(n,), name=f"bench-load-{n}", daemon=True)
               for n in range(clients)]
    say(f"Signing in {clients} clients as {', '.join(users[:clients])}…")
    signing_in = time.monotonic()
    for thread in threads:
        thread.start()
    try:
        # Every client signs in (or fails) before the clock starts; the deadline is set before release.
        clock["deadline"] = float("inf")
        while start_gate.n_waiting < clients and time.monotonic() - signing_in < SIGN_IN_SECONDS:
            if not any(t.is_alive() for t in threads):
                break
            time.sleep(0.05)
        if start_gate.n_waiting < clients:
            start_gate.abort()
            raise LoadError(f"The clients could not all sign in within {SIGN_IN_SECONDS:.0f} seconds.")
        report.sign_in_seconds = time.monotonic() - signing_in
        if failures:
            clock.pop("deadline")
            start_gate.wait()
            raise LoadError(f"{len(failures)} of {clients} clients could not sign in; the first: {failures[0]}")
        report.load_before = os.getloadavg()
        say(f"Loading {report.url} for {seconds:g} s…")
        cpu_before = process_tree_cpu_seconds(server_pid) if server_pid is not None else 0.0
        started = time.monotonic()
        clock["deadline"] = started + seconds
        start_gate.wait()
        for thread in threads:
            thread.join(timeout=max(0.0, clock["deadline"] + timeout + 5 - time.monotonic()))
        report.seconds = time.monotonic() - started
        report.load_after = os.getloadavg()
        if server_pid is not None:
            report.server_cpu_seconds = process_tree_cpu_seconds(server_pid) - cpu_before
    finally:
        for thread in threads:
            thread.join(timeout=0.1)
    report.samples = [s for samples in results for s in samples]
    report.no_cases = sorted(no_cases)
    return report
