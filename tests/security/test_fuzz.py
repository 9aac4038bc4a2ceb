"""Hostile input on every route: no answer is ever a 5xx, and a refused request changes
nothing.

Routes come from the app's URL map, so a new route is covered without a new test. The
fields of each POST route come from the forms the demo people reach by following links
(one crawl per role); query arguments from the links and GET forms found on the way.
Values are drawn by Hypothesis (seeded, a bounded number of examples per route).
"""

import contextlib
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from mentorship import create_app
from mentorship.demo import DEMO_PASSWORD, seed_demo
from mentorship.extensions import db
from tests.conftest import make_app, reset_schema

from .crawl import crawl, query_names

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
ROLES = {
    "anonymous": None,
    "resident": "mentor@example.org",
    "newcomer": "newcomer@example.org",
    "coordinator": "coordinator@example.org",
    "admin": "admin@example.org",
    "partner": "partner@example.org",
}
# Routes that end the session they are sent with: the role logs in again after each.
ENDS_SESSION = {"accounts.logout", "accounts.logout_everywhere"}
HTMX = {"HX-Request": "true", "HX-Current-URL": "http://localhost/"}

HOSTILE = st.sampled_from([
    "", " ", "\x00", "a\x00b", "x" * 5000, "\x01\x02\x1b[31m", "\r\nSet-Cookie: x=1",
    "\u202eevil\u202c", "\u200b", "\ufeff", "١٢٣", "=HYPERLINK(\"http://evil.example\")",
    "+1", "-1", "@SUM(A1)", "0", "2147483648", "-2147483649", "9223372036854775808",
    "9" * 30, "9" * 5000, "1e308", "NaN", "1.5", "0001-01-01", "9999-12-31", "2026-02-30",
    "0001-01-01T00:00", "9999-12-31T23:59", "0001-01", "9999-12", "-5", "%", "_%_",
    "' OR 1=1 --", "<script>alert(1)</script>", "//evil.example", "/\u3002evil.example",
    "https://evil.example/", "../../etc/passwd", "\\", "on", "y", "true",
])
VALUE = HOSTILE | st.text(max_size=40)


def _url_map():
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    return sorted(rules, key=lambda rule: rule.rule)


RULES = _url_map()
POST_ENDPOINTS = sorted({rule.endpoint for rule in RULES if "POST" in rule.methods})
GET_ENDPOINTS = sorted({rule.endpoint for rule in RULES if "GET" in rule.methods})


class WriteCounter:
    """Counts INSERT/UPDATE/DELETE statements that were committed."""

    def __init__(self, engine):
        self.pending = self.committed = 0
        event.listen(engine, "before_cursor_execute", self.statement)
        event.listen(engine, "commit", self.commit)
        event.listen(engine, "rollback", self.rollback)

    def statement(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            self.pending += 1

    def commit(self, _conn):
        self.committed += self.pending
        self.pending = 0

    def rollback(self, _conn):
        self.pending = 0


class World:
    """The demo programme, a logged-in session per role, and what each role reaches."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            self.writes = WriteCounter(db.engine)
        self.cookies, self.forms, self.paths = {}, {}, {}
        for role in ROLES:
            client = self.client(role)
            visited, forms = crawl(client)
            self.paths[role] = [path for path, status in visited if status < 400]
            self.forms[role] = forms
            assert all(status < 500 for _path, status in visited), visited

    def login(self, role):
        client = self.app.test_client()
        email = ROLES[role]
        if email:
            response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
            assert response.status_code == 303, role
            self.cookies[role] = client.get_cookie("session").value
        return client

    def client(self, role):
        if role not in self.cookies and ROLES[role]:
            return self.login(role)
        client = self.app.test_client()
        if ROLES[role]:
            client.set_cookie("session", self.cookies[role])
        return client

    def endpoint_of(self, path, method):
        adapter = self.app.url_map.bind("localhost")
        with contextlib.suppress(NotFound, MethodNotAllowed, RequestRedirect):
            return adapter.match(path.split("?")[0], method=method)[0]
        return None

    def post_targets(self, endpoint):
        """(role, action, fields) for every form of this endpoint some role reached."""
        found = {}
        for role, forms in self.forms.items():
            for form in forms:
                if form.method == "post" and self.endpoint_of(form.action, "POST") == endpoint:
                    found.setdefault((role, form.action.split("?")[0]), (role, form))
        return list(found.values())

    def get_targets(self, endpoint):
        found = {}
        for role, paths in self.paths.items():
            for path in paths:
                if self.endpoint_of(path, "GET") == endpoint:
                    found.setdefault(path.split("?")[0], (role, path))
        for role, forms in self.forms.items():
            for form in forms:
                if form.method == "get" and self.endpoint_of(form.action, "GET") == endpoint:
                    query = "&".join(f"{name}=" for name in form.names)
                    found.setdefault(form.action.split("?")[0] + "?form",
                                     (role, f"{form.action.split('?')[0]}?{query}"))
        return list(found.values())


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    # Rate limits would answer 429 to the fuzzing itself (they have their own tests).
    app = make_app(tmp_path_factory.mktemp("fuzz"), RATELIMIT_ENABLED=False)
    reset_schema(app)
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
        db.session.remove()
    yield World(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def hostile_path(rule_path):
    """The same URL with every number in it replaced by hostile ones."""
    return st.sampled_from([
        re.sub(r"/\d+(?=/|$|\.|\?)", replacement, rule_path, count=1)
        for replacement in ("/0", "/2147483648", "/9223372036854775808", "/" + "9" * 50)
    ])


def form_values(fields):
    """Each field kept, replaced by a hostile value, dropped, or sent twice."""
    names = sorted({name for name, _value in fields}) or ["q"]
    choice = st.sampled_from(["keep", "hostile", "hostile", "missing", "repeated"])
    return st.fixed_dictionaries({name: st.tuples(choice, VALUE, VALUE) for name in names})


def build(fields, drawn):
    data = []
    defaults = dict(fields)
    for name, (choice, first, second) in drawn.items():
        if choice == "keep":
            data.append((name, defaults.get(name, "")))
        elif choice == "hostile":
            data.append((name, first))
        elif choice == "repeated":
            data += [(name, first), (name, second)]
    return data


def check(world, response, before, what):
    response.get_data()  # a streamed download runs to its end
    response.close()
    assert response.status_code < 500, (what, response.status_code)
    if response.status_code >= 400 and response.status_code != 429:
        assert world.writes.committed == before, (what, response.status_code,
                                                 "a refused request changed data")


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_post_routes_survive_hostile_forms(world, endpoint):
    targets = world.post_targets(endpoint) or [
        (role, _example_form(rule)) for rule in RULES
        if rule.endpoint == endpoint for role in ("anonymous", "coordinator")]

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        role, form = data.draw(st.sampled_from(targets))
        action = data.draw(st.sampled_from([form.action, form.action]) | hostile_path(
            form.action))
        drawn = data.draw(form_values(form.fields))
        htmx = data.draw(st.booleans())
        headers = {**HTMX, "HX-Target": "content"} if htmx else {}
        client = world.client(role)
        before = world.writes.committed
        response = client.post(action, data=MultiDict(build(form.fields, drawn)),
                               headers=headers)
        check(world, response, before, (role, action, drawn, htmx))
        if endpoint in ENDS_SESSION and ROLES[role]:
            world.login(role)

    run()


def _example_form(rule):
    from .crawl import Form

    path = re.sub(r"<int:[^>]+>", "1", rule.rule)
    path = re.sub(r"<[^>]+>", "x", path)
    return Form("post", path, [])


@pytest.mark.parametrize("endpoint", GET_ENDPOINTS)
def test_get_routes_survive_hostile_arguments(world, endpoint):
    targets = world.get_targets(endpoint)
    if not targets:
        targets = [(role, _example_form(rule).action) for rule in RULES
                   if rule.endpoint == endpoint for role in ("anonymous", "coordinator")]
    names = sorted({name for _role, path in targets for name in query_names(path)} |
                   {"page", "q", "next"})

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data):
        role, path = data.draw(st.sampled_from(targets))
        base = data.draw(st.sampled_from([path.split("?")[0]]) | hostile_path(
            path.split("?")[0]))
        args = data.draw(st.lists(st.tuples(st.sampled_from(names), VALUE), max_size=4))
        htmx = data.draw(st.booleans())
        headers = {**HTMX, "HX-Target": "content"} if htmx else {}
        before = world.writes.committed
        response = world.client(role).get(base, query_string=args, headers=headers)
        check(world, response, before, (role, base, args, htmx))

    run()


def test_the_crawl_reaches_most_forms(world):
    """The fuzzing is only as good as the forms it finds: most POST routes are reached."""
    reached = [endpoint for endpoint in POST_ENDPOINTS if world.post_targets(endpoint)]
    assert len(reached) >= 0.6 * len(POST_ENDPOINTS), sorted(
        set(POST_ENDPOINTS) - set(reached))
