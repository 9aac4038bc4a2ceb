from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from mentorship.extensions import db
from mentorship.programme.services import get_settings
from tests.conftest import page_text

ROOT = Path(__file__).resolve().parent.parent


def html_lang(response):
    html = page_text(response)
    start = html.index("<html")
    return html[start:html.index(">", start)]


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


@pytest.mark.parametrize("language", ["fr", "ar", "uk"])
def test_catalogue_is_complete(language):
    path = ROOT / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    with (ROOT / "translations" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    missing = [m.id for m in template if m.id and m.id not in catalogue]
    assert missing == [], f"{language}: not in catalogue: {missing[:5]}"
    for message in catalogue:
        if not message.id:
            continue
        assert not message.fuzzy, f"{language}: fuzzy {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{language}: untranslated {message.id!r}"


@pytest.mark.parametrize("language", ["fr", "ar", "uk"])
def test_every_page_renders_in_each_language(client, login_as, language):
    login_as("admin", locale=language)
    for path in ("/", "/account", "/admin", "/admin/people", "/admin/settings", "/admin/audit"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert f'lang="{language}"' in html_lang(response)
