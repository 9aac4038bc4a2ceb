"""Real-browser fixtures: the app served on 127.0.0.1 (a free port, its own SQLite file
or the PostgreSQL test database), and Debian's Chromium driven by Playwright."""

import shutil
import socket
import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from mentorship.demo import seed_demo
from mentorship.extensions import db
from mentorship.programme.services import get_settings
from mentorship.volunteering.services import ensure_roles
from tests.conftest import USING_POSTGRES, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update",
    "--disable-sync",
]
BLOCKING_IMPACTS = {"serious", "critical"}
# Generous waits: CI machines can be busy (two cores); a slow page is not a failure.
expect.set_options(timeout=15_000)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


BROWSER_DIR = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    """On PostgreSQL (make test-postgres) the browser journeys are skipped: what they
    click through runs on PostgreSQL in each area's own tests (rules, races, query
    counts), and re-seeding the demo for each journey there cost CI over two minutes of
    its 30-minute budget. The SQLite suite runs every journey."""
    if not USING_POSTGRES:
        return
    skip = pytest.mark.skip(reason="browser journeys run once, in the SQLite suite; the "
                                   "rules they use run on PostgreSQL in their own tests")
    for item in items:
        if BROWSER_DIR in Path(str(item.path)).parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def seeded_sqlite(tmp_path_factory):
    """The demo, seeded once per run into a SQLite file each browser test copies (seeding
    takes seconds; a copy, milliseconds). PostgreSQL seeds per test instead."""
    folder = tmp_path_factory.mktemp("seeded")
    app = make_app(folder)
    with app.app_context():
        db.create_all()
        ensure_roles()
        get_settings()
        seed_demo()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return folder / "test.sqlite3"


@pytest.fixture
def live_app(app_factory, request, tmp_path):
    if USING_POSTGRES:
        app = app_factory()
        with app.app_context():
            seed_demo()
            db.session.commit()
            db.session.remove()
        return app
    shutil.copyfile(request.getfixturevalue("seeded_sqlite"), tmp_path / "test.sqlite3")
    return app_factory(fresh=False)


def body_read_at_once(app):
    """The app's response read whole and closed before the server writes it. Werkzeug's
    server skips closing the response when the browser drops the connection while the
    server drains the request (a favicon request cut short by a navigation): the static
    file stayed open, and its ResourceWarning failed whichever test was running."""
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


@pytest.fixture
def live_server(live_app):
    port = free_port()
    server = make_server("127.0.0.1", port, body_read_at_once(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(base_url=live_server, java_script_enabled=False,
                                  locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


_axe = Axe()


def assert_accessible(page):
    """Run axe-core on the page; no serious or critical violation is allowed.

    A click that follows a link returns once the navigation has started; axe must
    read the new document, not the one being torn down, so it waits for the load
    and runs again if the document went away under it.
    """
    for attempt in range(3):
        page.wait_for_load_state("load")
        try:
            results = _axe.run(page)
            break
        except PlaywrightError as error:
            if attempt == 2 or "documentElement" not in str(error) \
                    and "navigat" not in str(error) and "destroyed" not in str(error):
                raise
    blocking = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
        if v.get("impact") in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"{page.url}: " + "\n".join(blocking)


def log_in(page, email, password="demo-password-2026"):
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("form #submit").click()
    page.wait_for_load_state()
