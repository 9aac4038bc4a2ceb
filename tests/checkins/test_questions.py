"""Coordinators edit the check-in questions: changed wording is a new version, answers
keep the version they were given to."""

from mentorship.audit.models import AuditEvent
from mentorship.checkins import services
from mentorship.checkins.models import CheckinAnswer, CheckinQuestion, CheckinQuestionVersion
from mentorship.extensions import db
from tests.conftest import log_in, page_text

from .conftest import user


def language_question(app):
    with app.app_context():
        services.ensure_questions()
        db.session.commit()
        return db.session.scalar(db.select(CheckinQuestion.id).where(
            CheckinQuestion.key == "language"))


def current_texts(app, question_id):
    with app.app_context():
        return dict(db.session.get(CheckinQuestion, question_id).current.texts)


def form_of(texts, active="yes"):
    return {**{f"text_{locale}": text for locale, text in texts.items()}, "is_active": active}


def count_versions(app, question_id):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(
            CheckinQuestionVersion).where(CheckinQuestionVersion.question_id == question_id))


def test_the_list_shows_each_audiences_questions_in_every_language(app, client, login_as):
    login_as("coordinator")
    question_id = language_question(app)
    html = page_text(client.get("/coordinate/checkins/questions"))
    assert "Asked to: Newcomer" in html and "Asked to: Volunteer" in html
    assert "I can manage everyday conversations in the local language." in html
    assert "How is the match going?" in html
    assert f'href="/coordinate/checkins/questions/{question_id}"' in html
    for name in ("French", "Arabic", "Ukrainian"):
        assert f">{name}</th>" in html


def test_the_edit_form_has_one_field_per_language_and_says_english_is_the_fallback(
        app, client, login_as):
    login_as("coordinator")
    question_id = language_question(app)
    html = page_text(client.get(f"/coordinate/checkins/questions/{question_id}"))
    for locale in app.config["LANGUAGES"]:
        assert f'name="text_{locale}"' in html and f'lang="{locale}"' in html
    assert "Left empty, the English wording is shown." in html
    assert 'name="is_active"' in html and "Version 1" in html


def test_changed_wording_is_a_new_version_and_old_answers_keep_theirs(
        app, client, active_match, checkin_of):
    coordinator, newcomer, _volunteer, _, match_id = active_match()
    question_id = language_question(app)
    checkin_id = checkin_of(match_id)
    with app.app_context():
        # Kept: answer() autoflushes a half-made row when the versions are not loaded.
        _loaded = services.questions_for("newcomer")  # noqa: F841
        services.answer(checkin_id, user(newcomer), question_id, "4")
        db.session.commit()
    log_in(client, coordinator)
    texts = current_texts(app, question_id)
    texts.update(en="I can talk with my neighbours in the local language.", uk="")
    response = client.post(f"/coordinate/checkins/questions/{question_id}",
                           data=form_of(texts))
    assert response.status_code == 303
    assert "saved as version 2" in page_text(client.get(response.location))
    with app.app_context():
        question = db.session.get(CheckinQuestion, question_id)
        assert question.version == 2 and len(question.versions) == 2
        current = question.current
        assert current.created_by_id == coordinator.id
        assert current.text("en") == "I can talk with my neighbours in the local language."
        assert "uk" not in current.texts  # empty: Ukrainian check-ins show the English
        assert current.text("uk") == current.text("en")
        old = db.session.scalar(db.select(CheckinAnswer).where(
            CheckinAnswer.checkin_id == checkin_id))
        assert old.question_version.version == 1
        assert old.question_version.text("en") == (
            "I can manage everyday conversations in the local language.")
        event = db.session.scalar(db.select(AuditEvent).where(
            AuditEvent.action == "checkin_question.reworded"))
        assert event.actor_id == coordinator.id and event.data["version"] == 2
    html = page_text(client.get("/coordinate/checkins/questions"))
    assert "I can talk with my neighbours in the local language." in html
    assert "None: English is shown" in html


def test_the_same_wording_makes_no_version(app, client, login_as):
    login_as("coordinator")
    question_id = language_question(app)
    texts = current_texts(app, question_id)
    # Spaces around the wording are not a change.
    response = client.post(f"/coordinate/checkins/questions/{question_id}",
                           data=form_of({k: f" {v} " for k, v in texts.items()}))
    assert response.status_code == 303
    assert "Nothing was changed." in page_text(client.get(response.location))
    assert count_versions(app, question_id) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0


def test_stopping_a_question_is_saved_and_audited_without_a_new_version(app, client,
                                                                         login_as):
    login_as("coordinator")
    question_id = language_question(app)
    response = client.post(f"/coordinate/checkins/questions/{question_id}",
                           data=form_of(current_texts(app, question_id), active="no"))
    assert response.status_code == 303
    assert count_versions(app, question_id) == 1
    with app.app_context():
        assert not db.session.get(CheckinQuestion, question_id).is_active
        assert "language" not in [q.key for q in services.questions_for("newcomer")]
        assert db.session.scalar(db.select(AuditEvent.action)) == (
            "checkin_question.deactivated")


def test_bad_input_is_refused_next_to_its_field_and_kept(app, client, login_as):
    login_as("coordinator")
    question_id = language_question(app)
    url = f"/coordinate/checkins/questions/{question_id}"
    texts = current_texts(app, question_id)
    response = client.post(url, data=form_of({**texts, "en": "   ", "fr": "Ma phrase"}))
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="text_en-errors"' in html and "Please give the English wording" in html
    assert "Ma phrase" in html
    response = client.post(url, data=form_of({**texts, "ar": "ب" * 501}))
    assert response.status_code == 422
    assert 'id="text_ar-errors"' in page_text(response)
    response = client.post(url, data=form_of(texts, active="maybe"))
    assert response.status_code == 422 and 'id="is_active-errors"' in page_text(response)
    assert count_versions(app, question_id) == 1
    assert client.get("/coordinate/checkins/questions/999999").status_code == 404
