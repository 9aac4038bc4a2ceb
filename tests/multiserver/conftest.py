"""Two app servers (gunicorn, one worker each) on two ports, sharing one PostgreSQL
database and one Redis, as production runs them behind nginx; clients that talk to them
over HTTP the way nginx forwards a browser's requests."""

import functools
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.security import generate_password_hash

from mentorship.accounts.models import User, UserRole
from mentorship.extensions import db
from tests.conftest import (
    PASSWORD,
    csrf_token_from,
    fresh_tables,
    make_app,
    throwaway_redis,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET_KEY = "two-servers-share-this-secret-key-" + "k" * 32
# Small enough that a test reaches it quickly; each server alone would allow it again.
LOGIN_FAILURE_LIMIT = "4 per 15 minutes"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, f"process on port {port} exited"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


@pytest.fixture(scope="module")
def redis_url():
    """A throwaway Redis, shared by both servers."""
    with throwaway_redis() as url:
        yield url


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """This worker's PostgreSQL database with fresh tables, and an app on it in this
    process to set up data and read the outcome (the servers never see this app)."""
    app = make_app(tmp_path_factory.mktemp("site"))
    fresh_tables(app)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def server_env(tmp_path, redis_url, **extra):
    """The environment production gives each server (README, "Production"): the same
    database, Redis, secret key and BASE_URL; its own instance directory."""
    instance = tmp_path / "instance"
    instance.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "MENTORSHIP_ENV": "production", "SECRET_KEY": SECRET_KEY,
           "BASE_URL": "https://volunteers.example.org",
           "DATABASE_URL": os.environ["DATABASE_URL"], "RATELIMIT_STORAGE_URI": redis_url,
           "PROXY_FIX_HOPS": "1", "MENTORSHIP_INSTANCE": str(instance),
           "LOGIN_FAILURE_LIMIT": LOGIN_FAILURE_LIMIT, "LOGIN_SLOWDOWN_SECONDS": "0",
           "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": "9"}
    env.pop("FLASK_DEBUG", None)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def servers(site, redis_url, tmp_path_factory):
    """Two gunicorn servers, one sync worker each, on two ports; their addresses."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    ports, processes, logs = [free_port(), free_port()], [], []
    for number, port in enumerate(ports):
        directory = tmp_path_factory.mktemp(f"server{number}")
        logs.append(directory / "gunicorn.log")
        processes.append(subprocess.Popen(
            [str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "--timeout", "60",
             "--error-logfile", str(logs[-1]), "wsgi:app"],
            cwd=ROOT, env=server_env(directory, redis_url),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    try:
        for port, process, log in zip(ports, processes, logs, strict=True):
            try:
                wait_for_port(port, process, seconds=60)
            except (AssertionError, TimeoutError):
                log_text = log.read_text()[-3000:] if log.exists() else ""
                pytest.fail(f"server on {port} did not start:\n{log_text}")
            assert Client(port, "10.0.0.1").get("/health").status == 200
        yield ports
    finally:
        for process in processes:
            process.send_signal(signal.SIGINT)  # gunicorn: quick shutdown
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Response:
    def __init__(self, status, headers, text):
        self.status, self.headers, self.text = status, headers, text

    @property
    def location(self):
        return urlsplit(self.headers.get("Location", "")).path


class Client:
    """A browser behind nginx: it talks to one server, which sees the address nginx
    forwards (X-Forwarded-For) and an HTTPS request (X-Forwarded-Proto). It keeps its
    cookies, Secure ones included (nginx to the app is plain HTTP on one machine)."""

    def __init__(self, port, address):
        self.port, self.address, self.cookies, self.csrf = port, address, {}, None

    def request(self, method, path, form=None):
        headers = {"X-Forwarded-For": self.address, "X-Forwarded-Proto": "https",
                   # CSRF checks the referrer of an HTTPS form post, as browsers send it.
                   "Referer": f"https://127.0.0.1:{self.port}/"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode({"csrf_token": self.csrf or "", **form}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            text = reply.read().decode("utf-8", "replace")
            for name, value in reply.getheaders():
                if name.lower() == "set-cookie":
                    cookie_name, _, rest = value.partition("=")
                    cookie_value = rest.split(";", 1)[0]
                    if "expires=thu, 01 jan 1970" in value.lower() or cookie_value == "":
                        self.cookies.pop(cookie_name, None)
                    else:
                        self.cookies[cookie_name] = cookie_value
            return Response(reply.status, dict(reply.getheaders()), text)
        finally:
            connection.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, form=None):
        return self.request("POST", path, form or {})

    def take_token(self, path):
        self.csrf = csrf_token_from(self.get(path).text)

    def log_in(self, email, password=PASSWORD):
        self.take_token("/login")
        response = self.post("/login", {"email": email, "password": password})
        assert response.status == 303, response.text[:500]
        # The session changed at sign-in: its forms carry the new token.
        self.take_token("/account")
        return response


@functools.cache
def password_hash():
    # Hashed once: a deliberately slow hash per person would cost seconds on a busy machine.
    return generate_password_hash(PASSWORD)


def person(app, *roles, name):
    """A user holding ``roles`` (password PASSWORD); returns (id, email)."""
    email = re.sub(r"\W+", "-", name.lower()) + "@example.org"
    with app.app_context():
        user = User(name=name, email=email, locale="en", password_hash=password_hash())
        user.roles = [UserRole(role=role) for role in roles]
        db.session.add(user)
        db.session.commit()
        return user.id, email
