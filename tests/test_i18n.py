import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from babel.messages.catalog import PYTHON_FORMAT
from babel.messages.pofile import read_po

from mentorship.extensions import db
from mentorship.programme.services import get_settings
from tests.conftest import page_text

ROOT = Path(__file__).resolve().parent.parent


def html_lang(response):
    html = page_text(response)
    start = html.index("<html")
    return html[start:html.index(">", start)]


def test_a_request_keeps_one_catalogue_per_language(app):
    """The catalogue is found once per request (i18n.current_translations), yet an email
    written in its reader's language inside a page (force_locale) is in that language,
    and the page's own strings after it are the page's again, in templates and in code,
    with dates too (their text is kept per language)."""
    from flask import render_template_string
    from flask_babel import force_locale

    from mentorship.formatting import format_day, format_month
    from mentorship.i18n import gettext, lazy_gettext, ngettext

    page = ('{{ _("Hours to verify") }}|'
            '{{ ngettext("%(num)d entry waiting", "%(num)d entries waiting", 2) }}|'
            '{{ day|dateformat("long") }}')
    day = date(2026, 11, 14)
    with app.test_request_context("/", headers={"Accept-Language": "fr"}):
        before = render_template_string(page, day=day)
        with force_locale("uk"):
            inside = render_template_string(page, day=day)
            inside_code = (gettext("Approve"), str(lazy_gettext("Approve")),
                           ngettext("%(num)d entry waiting", "%(num)d entries waiting", 2),
                           format_day(day, "long"), format_month(day))
        after = render_template_string(page, day=day)
        after_code = (gettext("Approve"), format_day(day, "long"), format_month(day))
    assert before == after == (
        "Heures à vérifier|2 saisies en attente de vérification|14 novembre 2026")
    assert inside.startswith("Години на перевірку|2 ")
    assert inside.endswith("|14 листопада 2026\u202fр.")
    assert inside_code[:2] == ("Схвалити", "Схвалити")
    assert inside_code[2] == inside.split("|")[1]
    assert inside_code[3:] == ("14 листопада 2026\u202fр.", "Листопад 2026\u202fр.")
    assert after_code == ("Accepter", "14 novembre 2026", "Novembre 2026")


def test_default_language_comes_from_programme_settings(client, app):
    with app.app_context():
        get_settings().default_locale = "uk"
        db.session.commit()
    assert 'lang="uk"' in html_lang(client.get("/"))


def test_accept_language_beats_the_default(client):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert 'lang="fr"' in html_lang(response)
    assert "Se connecter" in page_text(response)


def test_switcher_choice_beats_accept_language(client):
    client.post("/language", data={"language": "uk", "next": "/"})
    response = client.get("/", headers={"Accept-Language": "fr"})
    assert 'lang="uk"' in html_lang(response)


def test_user_preference_beats_the_switcher(client, login_as):
    login_as("resident", locale="ar")
    with client.session_transaction() as session:
        session["locale"] = "fr"
    assert 'lang="ar"' in html_lang(client.get("/", headers={"Accept-Language": "uk"}))


def test_switching_language_when_logged_in_saves_the_preference(client, login_as, app):
    from mentorship.accounts.models import User

    account = login_as("resident", locale="en")
    client.post("/language", data={"language": "uk", "next": "/account"})
    with app.app_context():
        assert db.session.get(User, account.id).locale == "uk"


def test_unknown_language_is_ignored(client):
    response = client.post("/language", data={"language": "xx", "next": "/"})
    assert response.status_code == 303
    assert 'lang="en"' in html_lang(client.get("/", headers={"Accept-Language": "en"}))


def test_switcher_next_stays_on_site(client):
    response = client.post("/language", data={"language": "fr", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_arabic_pages_are_right_to_left(client):
    client.post("/language", data={"language": "ar"})
    head = html_lang(client.get("/"))
    assert 'dir="rtl"' in head and 'lang="ar"' in head
    client.post("/language", data={"language": "uk"})
    assert 'dir="ltr"' in html_lang(client.get("/"))


def extraction_command(output):
    """`make extract-messages`'s own pybabel command (keywords, mapping, ignored dirs),
    read from the Makefile so the test and the catalogues can never extract differently."""
    makefile = (ROOT / "Makefile").read_text().replace("\\\n", " ")
    recipe = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    words = shlex.split(recipe)
    args = words[words.index("extract"):]
    assert "-o" in args, "the Makefile's extraction should name its output with -o"
    args[args.index("-o") + 1] = str(output)
    return [sys.executable, "-m", "babel.messages.frontend", *args]


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """Every translatable message in the code and templates today (not the committed .pot)."""
    output = tmp_path_factory.mktemp("i18n") / "messages.pot"
    done = subprocess.run(extraction_command(output), cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with output.open("rb") as handle:
        return read_po(handle)


def placeholders(text):
    """The %-placeholders of a python-format string, as (name, conversion) pairs."""
    return {(name, kind) for name, _, kind in PYTHON_FORMAT.findall(text) if kind != "%"}


def catalogue_problems(template, catalogue):
    """What a translator still has to do: problem kind -> the msgids concerned."""
    problems = {}

    def report(kind, message):
        problems.setdefault(kind, []).append(message.id)

    for message in template:
        if not message.id:
            continue
        translated = catalogue.get(message.id, message.context)
        if translated is None:
            report("missing", message)
            continue
        if translated.fuzzy:
            report("fuzzy", message)
        plural = isinstance(message.id, tuple)
        strings = translated.string if isinstance(translated.string, tuple) else (
            translated.string,)
        if plural and (not isinstance(translated.id, tuple)
                       or len(strings) != catalogue.num_plurals):
            report(f"not {catalogue.num_plurals} plural forms", message)
            continue
        if not all(strings):
            report("untranslated (empty)", message)
            continue
        if not message.python_format:
            continue
        if plural:
            # Plural forms may leave out %(num)d ("un jour"); every other placeholder stays.
            allowed = placeholders(message.id[0]) | placeholders(message.id[1])
            required = {p for p in allowed if p[0] != "num"}
            if any(not required <= placeholders(s) <= allowed for s in strings):
                report("placeholders differ", message)
        elif placeholders(strings[0]) != placeholders(message.id):
            report("placeholders differ", message)
    # Entries the code no longer uses (`make update-messages` drops them) stay checked too.
    for message in catalogue:
        if message.id and template.get(message.id, message.context) is None:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy:
                report("fuzzy", message)
            elif not all(strings):
                report("untranslated (empty)", message)
    return problems


@pytest.mark.parametrize("language", ["fr", "ar", "uk"])
def test_catalogue_is_complete(language, extracted):
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    problems = catalogue_problems(extracted, catalogue)
    if problems:
        pytest.fail(f"translations/{language}: {describe(problems)}\n"
                    "(make translations, then translate them)", pytrace=False)


def describe(problems):
    def shown(msgid):
        return f"{msgid[0]!r} (plural {msgid[1]!r})" if isinstance(msgid, tuple) else repr(msgid)

    return "".join(f"\n  {kind} ({len(ids)}):" + "".join(f"\n    {shown(i)}" for i in ids)
                   for kind, ids in problems.items())


def test_catalogue_check_finds_every_kind_of_problem():
    from babel.messages.catalog import Catalog

    template, catalogue = Catalog(), Catalog(locale="uk")
    days_for = ("A day for %(name)s", "%(num)d days for %(name)s")
    for msgid in ["Saved.", "Vague.", "Empty.", "Hi %(name)s", "Bye %(name)s",
                  ("%(num)d day", "%(num)d days"), days_for]:
        template.add(msgid)
    catalogue.add("Vague.", "Невиразно.", flags=["fuzzy"])
    catalogue.add("Empty.", "")
    catalogue.add("Old and empty.", "")
    catalogue.add("Hi %(name)s", "Привіт %(name)s")
    catalogue.add("Bye %(name)s", "Бувай %(nom)s")
    catalogue.add(("%(num)d day", "%(num)d days"), ("%(num)d день", "%(num)d дні"))
    catalogue.add(days_for,  # form 0 lost the name
                  ("%(num)d день", "%(num)d дні для %(name)s", "%(num)d днів для %(name)s"))
    assert catalogue_problems(template, catalogue) == {
        "missing": ["Saved."], "fuzzy": ["Vague."],
        "untranslated (empty)": ["Empty.", "Old and empty."],
        "placeholders differ": ["Bye %(name)s", days_for],
        "not 3 plural forms": [("%(num)d day", "%(num)d days")]}


@pytest.mark.parametrize("language", ["fr", "ar", "uk"])
def test_every_page_renders_in_each_language(client, login_as, language):
    login_as("admin", locale=language)
    for path in ("/", "/account", "/admin", "/admin/people", "/admin/settings", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'lang="{language}"' in html_lang(response)


def test_code_translates_through_the_one_quick_catalogue():
    """Strings in code come through mentorship.i18n (one catalogue lookup per request),
    not Flask-Babel's gettext (a dozen context lookups per string)."""
    root = Path(__file__).resolve().parent.parent / "mentorship"
    offenders = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if line.strip().startswith("from flask_babel import") and "gettext" in line
    ]
    assert offenders == []


def test_wtforms_own_messages_are_in_the_page_language(app):
    """WTForms' messages come from its catalogue, read once per language (formtools)."""
    from wtforms import SelectField

    from mentorship.formtools import Form, choices

    class Choose(Form):
        class Meta:
            csrf = False

        pick = SelectField(choices=choices([("a", "A")]))

    for language, expected in (("fr", "N'est pas un choix valide"), ("en", "Not a valid choice"),
                               ("fr", "N'est pas un choix valide")):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            form = Choose(data={"pick": "zzz"})
            assert not form.validate()
            assert form.pick.errors[0].startswith(expected), form.pick.errors
