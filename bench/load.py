"""The performance budget of issue 17, measured side by side with a reference page.

    make bench                    # the same as: .venv/bin/python bench/load.py
    .venv/bin/python bench/load.py [--scale 2] [--seconds 5] [--no-fail] [--pages REGEX]

1. Builds a fresh SQLite database in a temporary folder (`flask db upgrade`, then
   `flask seed-demo`, with `--scale S` when S > 0) and the reference app's database
   (bench/reference.py: a 50-row page of 10,000 rows on the same stack).
2. Starts both under gunicorn, 2 sync workers each, on two free local ports. The app runs
   with its production configuration (MENTORSHIP_ENV=production: Secure cookies, HSTS,
   no mail delivered inside requests) over plain http, as behind a TLS-terminating proxy;
   this script keeps the cookies itself, so their Secure flag does not matter. It serves
   bench/counting.py, which adds an X-Queries header (SQL statements of the request).
3. Logs in as each demo role (agreeing to the privacy notice if asked) and, for every
   list page and dashboard, fetches it twice (status, HTML size and queries of the second,
   warm request, which wrk repeats; a different count on the first is shown too), then
   loads it with wrk (2 threads, 32 connections, --seconds each) and waits until the
   workers have drained what wrk left queued. A page whose single request takes longer
   than --max-ms (1000) fails without being loaded: 32 clients queued behind it would
   hold both workers for minutes. The reference page is loaded the same way at the
   start, the middle and the end of the run; its median throughput is the reference.
4. Prints a Markdown table with the budget verdict of each page; exits with status 1 if a
   page misses its budget (unless --no-fail). Then the "honest benchmarks": sequential
   requests (25 each) on the pages the issue names, with their goals (reported, they do
   not change the exit status).

The budget (issue 17): every logged-in page >= 0.6 x the reference's requests per
second, at most 8 SQL queries and at most 30 KB of HTML; the public pages (/ and /impact,
anonymous) >= 2 x the reference and at most 30 KB (and 8 queries).
"""

import argparse
import http.client
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105
REFERENCE_EMAIL = "reference@example.org"
REFERENCE_PASSWORD = "reference-password-2026"  # noqa: S105
REFERENCE_PATH = "/items"

MAX_QUERIES = 8
MAX_BYTES = 30 * 1024
LOGGED_IN_RATIO = 0.6
PUBLIC_RATIO = 2.0
WRK_THREADS = 2
WRK_CONNECTIONS = 32
HONEST_RUNS = 25

ROLES = {
    "coordinator": "coordinator@example.org",
    "admin": "admin@example.org",
    "mentor": "mentor@example.org",
    "newcomer": "newcomer@example.org",
    "partner": "partner@example.org",
    "anonymous": None,
}

PAGES = [
    *(("coordinator", path) for path in (
        "/coordinate", "/coordinate/applications", "/coordinate/commitments",
        "/coordinate/hours", "/coordinate/hours/approved", "/coordinate/matching",
        "/coordinate/matching/matches", "/coordinate/training",
        "/coordinate/training/certificates", "/coordinate/people",
        "/coordinate/people/to-call", "/coordinate/checkins", "/coordinate/perks",
        "/coordinate/perks/passes", "/coordinate/awards", "/coordinate/reports",
        "/coordinate/erasure-requests", "/coordinate/messages")),
    *(("admin", path) for path in ("/admin/people", "/admin/audit", "/admin/mail",
                                   "/admin/partners")),
    *(("mentor", path) for path in ("/volunteer", "/hours", "/training", "/perks", "/thanks",
                                    "/awards", "/account")),
    ("newcomer", "/buddy"),
    ("partner", "/partner"),
    ("anonymous", "/"),
    ("anonymous", "/impact"),
]


# --- HTTP ---------------------------------------------------------------------------

@dataclass
class Response:
    status: int
    headers: list
    body: bytes
    ms: float

    def header(self, name):
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


@dataclass
class Browser:
    """A client of one server that keeps its cookies (Secure ones too: this is http)."""

    port: int
    cookies: dict = field(default_factory=dict)
    timeout: float = 600

    def request(self, method, path, form=None):
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        started = time.perf_counter()
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        connection.close()
        for key, value in response.getheaders():
            if key.lower() == "set-cookie":
                for name, morsel in SimpleCookie(value).items():
                    if morsel["expires"] and "1970" in morsel["expires"] or (
                            morsel["max-age"] == "0"):
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
        return Response(response.status, response.getheaders(), data, elapsed)

    def get(self, path):
        return self.request("GET", path)

    def cookie_header(self):
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def log_in(self, email, password):
        page = self.get("/login")
        token = csrf_token_from(page.text)
        done = self.request("POST", "/login", form={"email": email, "password": password,
                                                    "csrf_token": token})
        location = done.header("Location") or ""
        if done.status not in (302, 303) or "/login" in location:
            raise SystemExit(f"could not log in as {email} on port {self.port} "
                             f"(status {done.status}, to {location or 'nowhere'})")
        if location.startswith("/privacy/agree"):
            # An account that has not agreed to the current privacy notice (the scaled
            # data's): agree once, as the person would, so their pages open.
            html = self.get(location).text
            form = re.search(r'<form[^>]*action="/privacy/agree"[^>]*>(.*?)</form>', html, re.S)
            fields = {name: unescape(value) for name, value in re.findall(
                r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form.group(1) if form else "")}
            agreed = self.request("POST", "/privacy/agree", form=fields)
            if agreed.status not in (302, 303):
                raise SystemExit(f"{email} could not agree to the privacy notice "
                                 f"(status {agreed.status})")
        return self


def csrf_token_from(html):
    match = (re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
             or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', html))
    if not match:
        raise SystemExit("no CSRF token on the login page")
    return match.group(1)


# --- servers ------------------------------------------------------------------------

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    def __init__(self, name, target, env, folder, port=None):
        self.name, self.port = name, port or free_port()
        self.log = Path(folder) / f"{name}.log"
        command = [str(BIN / "gunicorn"), "--workers", "2", "--worker-class", "sync",
                   "--bind", f"127.0.0.1:{self.port}", "--error-logfile", "-", target]
        with self.log.open("ab") as log:  # gunicorn's log and the app's tracebacks
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)

    def show_errors(self):
        """Print the end of the log (the tracebacks of the errors seen) to stderr."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        if "Traceback" in text:
            print(f"\n{self.name} log ({self.log}), last traceback:\n"
                  + text[text.rindex("Traceback"):][-4000:], file=sys.stderr)

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if Browser(self.port, timeout=5).get("/health").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        log = self.log.read_text()[-3000:] if self.log.exists() else ""
        raise SystemExit(f"{self.name} did not start on port {self.port}:\n{log}")

    def drain(self, timeout=600):
        """Wait until the workers have answered what wrk left queued when it stopped."""
        Browser(self.port, timeout=timeout).get("/health")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


# --- wrk ------------------------------------------------------------------------------

UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Load:
    rps: float
    p50: float
    p99: float
    requests: int
    bad_status: int
    socket_errors: int


def wrk(port, path, cookie, seconds):
    command = ["wrk", f"-t{WRK_THREADS}", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s",
               "--timeout", "10s", "--latency", "-H", "Accept-Language: en"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def parse_wrk(output):
    def latency(percent):
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.M)
        return float(match.group(1)) * UNITS_MS[match.group(2)] if match else float("nan")

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    return Load(rps=float(rps.group(1)) if rps else 0.0, p50=latency(50), p99=latency(99),
                requests=int(total.group(1)) if total else 0,
                bad_status=int(bad.group(1)) if bad else 0,
                socket_errors=sum(int(n) for n in errors.groups()) if errors else 0)


# --- building the databases ---------------------------------------------------------

def app_environment(folder, database, port):
    env = dict(os.environ)
    env.update({
        "MENTORSHIP_ENV": "production",
        "SECRET_KEY": secrets.token_hex(32),
        "BASE_URL": f"http://127.0.0.1:{port}",
        "DATABASE_URL": f"sqlite:///{database}",
        "MENTORSHIP_INSTANCE": str(folder),
        "MAIL_BACKEND": "console",
        "FLASK_APP": "wsgi.py",
        "FLASK_DEBUG": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.pop("RATELIMIT_STORAGE_URI", None)
    return env


def build_app_database(env, scale):
    flask = str(BIN / "flask")
    started = time.perf_counter()
    subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    seed = [flask, "seed-demo"] + (["--scale", f"{scale:g}"] if scale else [])
    done = subprocess.run(seed, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        if "--scale" in done.stderr and "No such option" in done.stderr:
            raise SystemExit("`flask seed-demo` has no --scale option yet; run with --scale 0 "
                             "for the plain demo data.")
        raise SystemExit(f"flask seed-demo failed:\n{done.stdout}\n{done.stderr}")
    return time.perf_counter() - started


def database_figures(database):
    with sqlite3.connect(database) as connection:
        def count(table):
            return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
        return {table: count(table) for table in (
            "users", "commitments", "buddy_requests", "matches", "hour_entries",
            "audit_events")}


# --- the budget -----------------------------------------------------------------------

@dataclass
class Row:
    role: str
    path: str
    status: int = 0
    kb: float = 0.0
    queries: int | None = None
    cold_queries: str | None = None
    load: Load | None = None
    ratio: float = 0.0
    failures: list = field(default_factory=list)


def judge(row, reference_rps):
    public = row.role == "anonymous"
    if row.status != 200:
        row.failures.append(f"status {row.status}")
    if row.queries is None:
        row.failures.append("no X-Queries header")
    elif row.queries > MAX_QUERIES:
        row.failures.append(f"{row.queries} queries > {MAX_QUERIES}")
    if row.kb * 1024 > MAX_BYTES:
        row.failures.append(f"{row.kb:.1f} KB > {MAX_BYTES // 1024} KB")
    if row.load:
        row.ratio = row.load.rps / reference_rps if reference_rps else 0.0
        needed = PUBLIC_RATIO if public else LOGGED_IN_RATIO
        if row.ratio < needed:
            row.failures.append(f"{row.ratio:.2f}× < {needed}× reference")
        if row.load.bad_status:
            row.failures.append(f"{row.load.bad_status} non-2xx/3xx under load")
        if row.load.socket_errors:
            row.failures.append(f"{row.load.socket_errors} socket errors")


def fmt(value, digits=1):
    return "–" if value is None or value != value else f"{value:.{digits}f}"


def queries_cell(row):
    if row.queries is None:
        return "–"
    if row.cold_queries is not None and row.cold_queries != str(row.queries):
        return f"{row.queries} (first {row.cold_queries})"
    return str(row.queries)


def print_table(rows, reference_runs):
    print("| page | role | rps | p50 ms | p99 ms | KB | queries | × reference | budget |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---|")
    for label, load in reference_runs:
        print(f"| reference `{REFERENCE_PATH}` ({label}) | reference | {fmt(load.rps)} | "
              f"{fmt(load.p50)} | {fmt(load.p99)} | | | | |")
    for row in rows:
        load = row.load
        verdict = "PASS" if not row.failures else "FAIL: " + "; ".join(row.failures)
        print(f"| `{row.path}` | {row.role} | {fmt(load and load.rps)} | "
              f"{fmt(load and load.p50)} | {fmt(load and load.p99)} | {row.kb:.1f} | "
              f"{queries_cell(row)} | {row.ratio:.2f} | "
              f"{verdict} |")


# --- honest benchmarks ----------------------------------------------------------------

def sequential(browser, path, runs=HONEST_RUNS, warm=2, before=None):
    """``before``: run ahead of each request, untimed (a write, so nothing is kept)."""
    before = before or (lambda: None)
    if max((before(), browser.get(path))[1].ms for _ in range(warm)) > 2000:
        runs = 5  # far from any goal: five runs tell as much, in less time
    timings, last = [], None
    for _ in range(runs):
        before()
        last = browser.get(path)
        timings.append(last.ms)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return statistics.median(timings), p95, last


def touch(database):
    """A write from another process: the app's kept figures must be counted again
    (reports/cache.py). The programme's name gains or loses a trailing space: a real
    change (SQLite skips writing a row updated to what it already holds)."""
    with sqlite3.connect(database) as connection:
        connection.execute("UPDATE programme_settings SET name = CASE WHEN name LIKE '% ' "
                           "THEN rtrim(name) ELSE name || ' ' END")


def open_request_id(database):
    """The open buddy request whose role has the most active volunteers."""
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT r.id FROM buddy_requests r WHERE r.status = 'open' ORDER BY "
            "(SELECT count(*) FROM commitments c WHERE c.role = r.role "
            "AND c.status = 'active') DESC, r.id LIMIT 1").fetchone()
    return row and row[0]


def busiest_volunteer(database):
    """The email of the volunteer with most hour entries; demo password set if needed."""
    with sqlite3.connect(database) as connection:
        row = connection.execute(
            "SELECT u.id, u.email, count(*) AS n FROM hour_entries h "
            "JOIN users u ON u.id = h.user_id WHERE u.email IS NOT NULL "
            "GROUP BY u.id ORDER BY n DESC, u.id LIMIT 1").fetchone()
    return row and (row[0], row[1], row[2])


def give_demo_password(database, user_id):
    # A throwaway database: the volunteer gets the demo accounts' password hash.
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE users SET password_hash = (SELECT password_hash FROM users "
            "WHERE email = 'mentor@example.org') WHERE id = ?", (user_id,))


def queue_filters(html, database):
    """Role, neighbourhood and month for the hours queue, read from its filter form."""
    chosen, missing = {}, []
    selects = {name: re.findall(r'<option[^>]*value="([^"]*)"', body)
               for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>',
                                            html, re.S)}
    inputs = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*type="([^"]+)"', html))
    inputs.update((name, kind) for kind, name in
                  re.findall(r'<input[^>]*type="([^"]+)"[^>]*name="([^"]+)"', html))
    role = [value for value in selects.get("role", []) if value]
    if role:
        chosen["role"] = "language_buddy" if "language_buddy" in role else role[0]
    else:
        missing.append("role")
    neighbourhood = next((name for name in selects if "neighbourhood" in name), None)
    values = [value for value in selects.get(neighbourhood, []) if value]
    if values:
        chosen[neighbourhood] = values[0]
    else:
        missing.append("neighbourhood")
    with sqlite3.connect(database) as connection:
        latest = connection.execute(
            "SELECT max(day) FROM hour_entries WHERE status = 'pending'").fetchone()[0]
    month = (latest or date.today().isoformat())[:7]
    if "month" in selects:
        values = [value for value in selects["month"] if value]
        if values:
            chosen["month"] = month if month in values else values[0]
    elif "month" in inputs:
        chosen["month"] = month
    if "month" not in chosen:
        missing.append("month")
    return chosen, missing


def honest(database, port, coordinator, args):
    print("\n## Honest benchmarks\n")
    print(f"Sequential requests, one at a time, against the same gunicorn ({HONEST_RUNS} runs "
          "after 2 warm-up requests; median and 95th percentile).\n")
    print("| page | who | median ms | p95 ms | KB | queries | goal | verdict |")
    print("|---|---|---:|---:|---:|---:|---|---|")
    cases = []
    request_id = open_request_id(database)
    if request_id:
        cases.append(("matching suggestions", coordinator,
                      f"/coordinate/matching/requests/{request_id}", 100, ""))
    else:
        print("| matching suggestions | coordinator | | | | | < 100 ms | "
              "no open buddy request |")
    busiest = busiest_volunteer(database)
    if busiest:
        user_id, email, entries = busiest
        volunteer = Browser(port)
        try:
            volunteer.log_in(email, DEMO_PASSWORD)
        except SystemExit:
            give_demo_password(database, user_id)
            volunteer = Browser(port).log_in(email, DEMO_PASSWORD)
        cases.append(("hours of the busiest volunteer", volunteer, "/hours", 50,
                      f"{email}, {entries} entries"))
    queue_page = coordinator.get("/coordinate/hours")
    filters, missing = queue_filters(queue_page.text, database)
    note = ("filters: " + ", ".join(f"{k}={v}" for k, v in filters.items())
            + (f"; the queue has no {', '.join(missing)} filter" if missing else ""))
    cases.append(("hours queue, filtered", coordinator,
                  "/coordinate/hours?" + urlencode(filters), 50, note))
    cases.append(("coordinator dashboard", coordinator, "/coordinate", 100, ""))
    cases.append(("impact", Browser(port), "/impact", 100, "anonymous"))
    # The same two right after a write (another process commits before each request):
    # what is kept in memory is counted again, so this is their cost from the database.
    cases.append(("coordinator dashboard, after a write", coordinator, "/coordinate", 100,
                  "counted again"))
    cases.append(("impact, after a write", Browser(port), "/impact", 100,
                  "anonymous, counted again"))
    results = []
    for label, browser, path, goal, note in cases:
        write = partial(touch, database) if "after a write" in label else None
        median, p95, last = sequential(browser, path, before=write)
        ok = last.status == 200 and median < goal
        verdict = "PASS" if ok else (f"FAIL: status {last.status}" if last.status != 200
                                     else f"FAIL: {median:.0f} ms ≥ {goal} ms")
        who = note or ("coordinator" if browser is coordinator else "")
        print(f"| {label} `{path}` | {who} | {median:.1f} | {p95:.1f} | "
              f"{len(last.body) / 1024:.1f} | {last.header('X-Queries') or '–'} | "
              f"< {goal} ms | {verdict} |")
        results.append(ok)
    return results


# --- the machine ----------------------------------------------------------------------

def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    wrk_line = re.findall(r"^wrk \S+", wrk_version.stdout + wrk_version.stderr, re.M)
    load = os.getloadavg()
    return (f"{model}, {os.cpu_count()} cores (load average {load[0]:.2f} at start), "
            f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {wrk_line[0] if wrk_line else 'wrk'}")


# --- main -----------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=2,
                        help="flask seed-demo --scale (0: the plain demo data); default 2")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration per page")
    parser.add_argument("--no-fail", action="store_true",
                        help="exit 0 even when a page misses its budget")
    parser.add_argument("--max-ms", type=int, default=1000,
                        help="a page whose single request takes longer fails without load")
    parser.add_argument("--pages", help="only the pages whose path matches this regex")
    parser.add_argument("--no-honest", action="store_true",
                        help="skip the sequential honest benchmarks")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (make bench installs it: apt-get install wrk)")

    pages = [(role, path) for role, path in PAGES
             if not args.pages or re.search(args.pages, path)]
    folder = Path(tempfile.mkdtemp(prefix="mentorship-bench-"))
    servers = []
    try:
        print("# make bench\n")
        print(f"Machine: {machine()}.\n")
        database = folder / "bench.sqlite3"
        app_port = free_port()
        env = app_environment(folder, database, app_port)
        seconds_to_build = build_app_database(env, args.scale)
        figures = database_figures(database)
        reference_db = folder / "reference.sqlite3"
        subprocess.run([sys.executable, str(ROOT / "bench" / "reference.py"), "--build",
                        str(reference_db)], check=True, capture_output=True)
        print(f"Data: `flask seed-demo{f' --scale {args.scale:g}' if args.scale else ''}` "
              f"built in {seconds_to_build:.0f} s: "
              + ", ".join(f"{n:,} {table}" for table, n in figures.items()) + ".")
        print("App: gunicorn, 2 sync workers, MENTORSHIP_ENV=production over plain http, "
              "SQLite (WAL), bench/counting.py (X-Queries). Reference: bench/reference.py "
              f"(`{REFERENCE_PATH}`: 50 of 10,000 rows), the same way. Load: wrk "
              f"-t{WRK_THREADS} -c{WRK_CONNECTIONS} -d{args.seconds}s.\n")

        # BASE_URL names the app's port, so it is chosen before the database is built.
        app = Server("app", "bench.counting:app", env, folder, port=app_port)
        servers.append(app)
        reference_env = dict(os.environ, REFERENCE_DATABASE=str(reference_db),
                             REFERENCE_SECRET_KEY=secrets.token_hex(32))
        reference = Server("reference", "bench.reference:app", reference_env, folder)
        servers.append(reference)
        app.wait_ready()
        reference.wait_ready()

        browsers = {role: Browser(app.port) for role in ROLES}
        for role, email in ROLES.items():
            if email:
                browsers[role].log_in(email, DEMO_PASSWORD)
        reference_browser = Browser(reference.port).log_in(REFERENCE_EMAIL,
                                                           REFERENCE_PASSWORD)
        check = reference_browser.get(REFERENCE_PATH)
        if check.status != 200:
            raise SystemExit(f"the reference page answered {check.status}")

        def load_reference(label):
            load = wrk(reference.port, REFERENCE_PATH, reference_browser.cookie_header(),
                       args.seconds)
            reference.drain()
            return label, load

        reference_runs = [load_reference("start")]
        rows = []
        for index, (role, path) in enumerate(pages):
            if index == len(pages) // 2:
                reference_runs.append(load_reference("middle"))
            browser = browsers[role]
            # Twice: the second request is the one wrk repeats (caches warm).
            cold = browser.get(path)
            first = browser.get(path)
            queries = first.header("X-Queries")
            row = Row(role=role, path=path, status=first.status, kb=len(first.body) / 1024,
                      queries=int(queries) if queries is not None else None,
                      cold_queries=cold.header("X-Queries"))
            if first.status == 200 and first.ms > args.max_ms:
                # 32 clients queued behind such a page would keep both workers busy for
                # minutes after wrk stops: it fails, and is not loaded.
                row.failures.append(f"one request took {first.ms:.0f} ms (> {args.max_ms} ms):"
                                    " not loaded")
            elif first.status == 200:
                row.load = wrk(app.port, path, browser.cookie_header(), args.seconds)
                app.drain()
            rows.append(row)
            print(f"  {path} ({role}): {first.status}, {first.ms:.0f} ms (first {cold.ms:.0f}),"
                  f" {row.kb:.1f} KB, {queries_cell(row)} queries, "
                  f"{fmt(row.load and row.load.rps)} rps", file=sys.stderr, flush=True)
        reference_runs.append(load_reference("end"))
        reference_rps = statistics.median(load.rps for _, load in reference_runs)
        for row in rows:
            judge(row, reference_rps)

        print_table(rows, reference_runs)
        failed = [row for row in rows if row.failures]
        print(f"\n**Budget: {len(rows) - len(failed)} of {len(rows)} pages pass** "
              f"(reference `{REFERENCE_PATH}`: {reference_rps:.1f} requests/s, median of "
              + ", ".join(f"{load.rps:.1f}" for _, load in reference_runs)
              + f"; logged-in pages need ≥ {LOGGED_IN_RATIO}×, public pages ≥ {PUBLIC_RATIO}×,"
              f" all ≤ {MAX_QUERIES} queries and ≤ {MAX_BYTES // 1024} KB).")
        if failed:
            print("Over budget: " + ", ".join(f"`{row.path}`" for row in failed) + ".")
        if not args.no_honest:
            results = honest(database, app.port, browsers["coordinator"], args)
            print(f"\n**Honest benchmarks: {sum(results)} of {len(results)} meet their goal** "
                  "(reported only; they do not change the exit status).")
        app.show_errors()
        return 1 if failed and not args.no_fail else 0
    finally:
        for server in servers:
            server.stop()
        if args.keep:
            print(f"\n(kept {folder})", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
