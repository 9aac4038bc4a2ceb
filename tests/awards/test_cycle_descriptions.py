"""A cycle's description is written in each language the coordinators can; each reader
reads theirs, else the programme's language (marked as such for screen readers)."""

from mentorship.awards.models import AwardCycle
from mentorship.extensions import db
from mentorship.programme.services import get_settings
from tests.conftest import log_in, page_text


def cycle_form(cycle, **descriptions):
    return {"year": cycle.year, "nominations_open_on": cycle.nominations_open_on.isoformat(),
            "nominations_close_on": cycle.nominations_close_on.isoformat(),
            "voting_deadline": cycle.voting_deadline.isoformat(),
            "ceremony_at": cycle.ceremony_at.strftime("%Y-%m-%dT%H:%M"),
            "ceremony_place": cycle.ceremony_place, "shortlist_size": cycle.shortlist_size,
            **{f"description_{code}": text for code, text in descriptions.items()}}


def test_each_reader_gets_the_description_in_their_language(app, client, cycle, make_user):
    cycle_id, _categories, jurors = cycle
    with app.app_context():
        get_settings().default_locale = "fr"
        db.session.commit()
        found = db.session.get(AwardCycle, cycle_id)
        data = cycle_form(found, en="Who made a difference?", fr="Qui a fait la différence ?")
    log_in(client, jurors[0])
    response = client.post(f"/coordinate/awards/{cycle_id}", data=data)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(AwardCycle, cycle_id).descriptions == {
            "en": "Who made a difference?", "fr": "Qui a fait la différence ?"}
    edit = page_text(client.get(f"/coordinate/awards/{cycle_id}"))
    assert "Who made a difference?" in edit and "Qui a fait la différence ?" in edit

    for locale, expected in (("en", '<p lang="en" dir="auto">Who made a difference?'),
                             ("fr", '<p lang="fr" dir="auto">Qui a fait la différence ?'),
                             ("uk", '<p lang="fr" dir="auto">Qui a fait la différence ?')):
        reader = make_user("resident", locale=locale)
        reader_client = app.test_client()
        log_in(reader_client, reader)
        page = page_text(reader_client.get("/awards"))
        assert expected in page, locale
        assert ("Who made" in page) == (locale == "en"), locale


def test_a_description_too_long_is_refused_next_to_its_field(app, client, cycle):
    cycle_id, _categories, jurors = cycle
    with app.app_context():
        data = cycle_form(db.session.get(AwardCycle, cycle_id), ar="طويل " * 1000)
    log_in(client, jurors[0])
    response = client.post(f"/coordinate/awards/{cycle_id}", data=data)
    assert response.status_code == 422
    assert 'id="description_ar"' in page_text(response)
    assert 'aria-invalid="true"' in page_text(response)
    with app.app_context():
        assert db.session.get(AwardCycle, cycle_id).descriptions == {}
