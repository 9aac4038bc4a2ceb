"""No untranslated string anywhere: every page, for every demo role, rendered in a
test-only locale whose catalogue wraps each message in markers (⟦…⟧).

Text outside the markers must be data: what people and coordinators typed (every text
value in the database), numbers, and dates and language names from CLDR. Any other word
is a string that never reached the catalogue (a template string without ``_()``, a label
built in Python, an English word in a macro), and the test names the page and the text.
"""

import html
import re
import subprocess
from collections.abc import Mapping
from html.parser import HTMLParser

import pytest
from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import JSON, String, Text

from mentorship.accounts.models import User
from mentorship.demo import DEMO_PASSWORD, seed_demo
from mentorship.extensions import db
from tests.conftest import USING_POSTGRES, make_app, reset_schema
from tests.security.crawl import crawl
from tests.test_i18n import ROOT, extraction_command

# Wording does not depend on the database: checked once, in the SQLite suite.
pytestmark = pytest.mark.skipif(USING_POSTGRES, reason="rendering only: checked on SQLite")
PSEUDO = "el"  # full CLDR data (dates, numbers), no catalogue of ours, a script of its own
OPEN, CLOSE = "⟦", "⟧"
ROLES = (None, "newcomer@example.org", "mentor@example.org", "partner@example.org",
         "coordinator@example.org", "admin@example.org")
# Words that are names, not language: file formats and the like, written the same everywhere.
NOT_LANGUAGE = {"CSV", "JSON", "PDF", "QR", "iCal", "ics", "SVG", "URL", "htmx"}
MARKED = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
WORD = re.compile(r"[^\W\d_]+")
ADDRESS = re.compile(r"\bhttps?://\S+|\S+@\S+")  # links and email addresses are data


def pseudo(text):
    return f"{OPEN}{text}{CLOSE}"


@pytest.fixture(scope="module")
def translations(tmp_path_factory):
    """A catalogue of every message extracted today, each wrapped in markers, compiled."""
    root = tmp_path_factory.mktemp("pseudo")
    done = subprocess.run(extraction_command(root / "messages.pot"), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with (root / "messages.pot").open("rb") as handle:
        catalogue = read_po(handle, locale=PSEUDO)
    for message in catalogue:
        if message.id:
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            message.string = tuple(pseudo(i) for i in ids) if len(ids) > 1 else pseudo(ids[0])
    folder = root / PSEUDO / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalogue)
    return root


@pytest.fixture(scope="module")
def world(tmp_path_factory, translations):
    app = make_app(tmp_path_factory.mktemp("pseudo-db"), RATELIMIT_ENABLED=False,
                   LANGUAGES=("en", "fr", "ar", "uk", PSEUDO),
                   BABEL_TRANSLATION_DIRECTORIES=f"{ROOT / 'translations'};{translations}")
    reset_schema(app)
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.execute(db.update(User).values(locale=PSEUDO))
        db.session.commit()
        vocabulary = data_words()
    yield app, vocabulary
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def data_words():
    """Every word people typed (all text columns of all tables), and CLDR's own words."""
    words = set(NOT_LANGUAGE)
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, (String, Text, JSON))]
        if columns:
            for row in db.session.execute(db.select(*columns)):
                for value in row:
                    words.update(WORD.findall(" ".join(leaves(value))))
    cldr = Locale.parse(PSEUDO)
    for names in (cldr.months, cldr.days, cldr.eras, cldr.day_periods, cldr.quarters):
        words.update(WORD.findall(" ".join(leaves(names))))
    for code in ("en", "fr", "ar", "uk", PSEUDO):
        for name in Locale.parse(code).languages.values():
            words.update(WORD.findall(name))
    return {word.casefold() for word in words}


def leaves(tree):
    """The strings in a nested value: CLDR's name tables (width -> context -> number ->
    name), a JSON column's lists and objects."""
    if isinstance(tree, str):
        yield tree
    elif isinstance(tree, Mapping):
        for value in tree.values():
            yield from leaves(value)
    elif isinstance(tree, (list, tuple)):
        for value in tree:
            yield from leaves(value)


class VisibleText(HTMLParser):
    """The text a person sees or hears: text nodes, and the attributes read aloud or shown
    (aria-label, placeholder, alt, title). Text inside an element in another language
    (``lang="ar"`` on a language's own name) is that language's, not the page's; text
    marked ``translate="no"`` (codes, a log's raw details) is data by the page's own word."""

    SKIPPED = {"script", "style", "textarea"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}
    SPOKEN = ("aria-label", "placeholder", "alt", "title")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._stack = [], []

    def _hidden(self):
        return any(self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        hidden = (tag in self.SKIPPED or attrs.get("lang", PSEUDO) != PSEUDO
                  or attrs.get("translate") == "no")
        if not hidden and not self._hidden():
            self.parts.extend(attrs[name] for name in self.SPOKEN if attrs.get(name))
        if tag not in self.VOID:
            self._stack.append(hidden)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not self._hidden():
            self.parts.append(data)


def untranslated(body):
    """Words outside the markers, with the text around them."""
    parser = VisibleText()
    parser.feed(body)
    text = re.sub(r"\s+", " ", html.unescape(" ".join(parser.parts)))
    while MARKED.search(text):
        text = MARKED.sub(" ", text)
    return ADDRESS.sub(" ", text)


def client_for(app, email):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = PSEUDO
    if email:
        response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
        assert response.status_code == 303, email
    return client


@pytest.mark.parametrize("email", ROLES, ids=lambda e: (e or "anonymous").split("@")[0])
def test_every_page_is_translated(world, email):
    app, vocabulary = world
    found = {}

    def check(path, status, body):
        if status == 200 and "<html" in body[:200]:
            assert f'lang="{PSEUDO}"' in body[:400], path
            rest = untranslated(body)
            strays = [w for w in WORD.findall(rest) if w.casefold() not in vocabulary]
            if strays:
                found[path] = (strays, rest.strip()[:300])

    visited, _forms = crawl(client_for(app, email), limit=400, on_page=check)
    assert len(visited) > 5
    assert all(status < 500 for _path, status in visited), visited
    assert not found, "Text outside the catalogue:\n" + "\n".join(
        f"  {path}: {words} in «{context}»" for path, (words, context) in found.items())


def test_the_check_finds_a_string_outside_the_catalogue(world):
    """The markers really wrap translated text, and a bare word is caught."""
    app, vocabulary = world
    with app.test_request_context(headers={"Accept-Language": PSEUDO}):
        from flask import render_template_string

        page = render_template_string(
            '<p>{{ _("Log in") }} · Forgotten text <span lang="ar">العربية</span></p>')
    assert pseudo("Log in") in page
    rest = untranslated(page)
    strays = [w for w in WORD.findall(rest) if w.casefold() not in vocabulary]
    assert "Forgotten" in strays
    assert "Log" not in rest and "العربية" not in rest
