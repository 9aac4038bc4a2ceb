"""Public pages from memory (reports/cache.py), their ETag and Cache-Control, and static
assets with hashed URLs (assets.py)."""

import re

import pytest
from sqlalchemy import select, update

from mentorship.accounts.models import User
from mentorship.assets import content_hashes
from mentorship.database import changes_column
from mentorship.extensions import db
from mentorship.reports import cache
from tests.conftest import count_queries, page_text, postgres_only
from tests.reports.conftest import build_three_years


def token_of(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_impact_figures_are_counted_once_then_kept(app, client):
    year = build_three_years(app)
    with count_queries(app) as first:
        html = page_text(client.get(f"/impact?year={year}"))
    with count_queries(app) as second:
        assert page_text(client.get(f"/impact?year={year}")).count("data-metric") == \
            html.count("data-metric")
    assert first.count > 3
    assert second.count <= 1, second.statements  # the programme's settings: nothing counted


def test_a_change_this_process_commits_shows_at_once(app, client, login_as):
    year = build_three_years(app)
    before = page_text(client.get(f"/impact?year={year}"))
    build_three_years(app)  # commits: twice the volunteers
    after = page_text(client.get(f"/impact?year={year}"))
    volunteers = r'data-metric="volunteers">(\w+)<'
    assert int(re.search(volunteers, after).group(1)) == \
        2 * int(re.search(volunteers, before).group(1))


def test_a_change_another_process_commits_shows_at_once(app, app_factory, client):
    """Another app on the same database (its own engine and store: another worker, the
    second app server) writes; this one counts again on its next request, not a minute
    later (SQLite: PRAGMA data_version; PostgreSQL: the count in data_changes). The other
    app never reads a kept figure: it only writes, as a command or a POST would."""
    year = build_three_years(app)
    volunteers = r'data-metric="volunteers">(\w+)<'
    before = int(re.search(volunteers, page_text(client.get(f"/impact?year={year}"))).group(1))
    with count_queries(app) as kept:
        client.get(f"/impact?year={year}")
    assert kept.count <= 1, kept.statements  # nothing changed: from memory
    other = app_factory(fresh=False)
    build_three_years(other)  # commits through the other app's own connections
    after = int(re.search(volunteers, page_text(client.get(f"/impact?year={year}"))).group(1))
    assert after == 2 * before
    with count_queries(app) as again:
        client.get(f"/impact?year={year}")
    assert again.count <= 1, again.statements  # counted once, then kept again


@postgres_only
def test_postgresql_counts_each_transaction_that_writes_once_as_it_commits(app):
    """The count other processes watch (database.data_changes) moves by one for each
    transaction that wrote and committed: not for a read, not for a rollback."""
    def count():
        with app.app_context():
            return db.session.scalar(select(changes_column()))

    with app.app_context():
        db.session.scalar(select(User.id))
        db.session.commit()  # a read
    start = count()
    with app.app_context():
        db.session.add(User(email="a@example.org", name="A", password_hash="x"))
        db.session.flush()
        db.session.rollback()  # written, then undone
    assert count() == start
    with app.app_context():
        db.session.add(User(email="a@example.org", name="A", password_hash="x"))
        db.session.add(User(email="b@example.org", name="B", password_hash="x"))
        db.session.commit()
        db.session.execute(update(User).values(name="C"))
        db.session.commit()
    assert count() == start + 2


def test_kept_figures_are_counted_again_after_a_minute(app, client, monkeypatch):
    year = build_three_years(app)
    client.get(f"/impact?year={year}")
    clock = cache.time.monotonic()
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock + cache.MAX_AGE + 1)
    with count_queries(app) as later:
        client.get(f"/impact?year={year}")
    assert later.count > 3


@pytest.mark.parametrize("path", ["/impact", "/"])
def test_public_pages_revalidate_with_an_etag_and_stay_private(app, client, path):
    response = client.get(path)
    etag = response.headers["ETag"]
    assert etag.startswith('W/"')
    control = response.headers["Cache-Control"]
    assert "private" in control and "no-cache" in control
    assert "public" not in control and "no-store" not in control
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    # Another visitor (another session, so another CSRF token): never the same page.
    other = app.test_client().get(path, headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    assert token_of(page_text(other)) != token_of(page_text(response))


def test_the_etag_changes_with_the_figures(app, client):
    first = client.get("/impact").headers["ETag"]
    build_three_years(app)
    assert client.get("/impact", headers={"If-None-Match": first}).status_code == 200


def test_each_locale_has_its_own_page(client):
    for language in ("fr", "en", "ar", "uk", "fr"):
        html = page_text(client.get("/impact", headers={"Accept-Language": language}))
        assert f'<html lang="{language}"' in html


def test_a_signed_in_page_is_never_kept(app, client, login_as):
    client.get("/impact")
    account = login_as("coordinator")
    for path in ("/impact", "/"):
        response = client.get(path)
        assert "ETag" not in response.headers
        assert "no-store" in response.headers["Cache-Control"]
        assert "Log out" in page_text(response)
    assert account.name in page_text(client.get("/"))
    # And what the signed-in reader saw is not what the next visitor gets.
    assert "Log out" not in page_text(app.test_client().get("/impact"))


def test_the_token_put_in_a_kept_page_is_the_readers_own(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    first, second = app.test_client(), app.test_client()
    first.get("/impact")  # keeps the page
    html = page_text(second.get("/impact"))
    assert "\x00" not in html
    response = second.post("/language", data={"language": "en", "next": "/impact",
                                              "csrf_token": token_of(html)})
    assert response.status_code == 303
    assert 'lang="en"' in page_text(second.get("/impact"))


def test_static_urls_carry_their_content_hash(app, client):
    html = page_text(client.get("/"))
    url = re.search(r'href="(/static/css/app\.css\?v=(\w+))"', html)
    assert url and url.group(2) == app.extensions["asset_hashes"]["css/app.css"]
    with client.get(url.group(1)) as hashed:
        assert hashed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for plain in ("/static/css/app.css", "/static/css/app.css?v=old"):
        with client.get(plain) as response:
            assert "immutable" not in response.headers.get("Cache-Control", "")


def test_a_hash_follows_the_content(tmp_path):
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "a.css").write_text("a {}")
    before = content_hashes(tmp_path)
    (tmp_path / "css" / "a.css").write_text("a { color: red }")
    assert content_hashes(tmp_path)["css/a.css"] != before["css/a.css"]
