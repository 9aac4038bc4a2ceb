from mentorship.accounts.models import User
from mentorship.extensions import db
from mentorship.programme.models import Neighbourhood
from tests.conftest import page_text


def neighbourhood(app, name="Berriat"):
    with app.app_context():
        place = Neighbourhood(name=name)
        db.session.add(place)
        db.session.commit()
        return place.id


def profile_data(**changes):
    data = {
        "name": "Amina Benali",
        "locale": "fr",
        "neighbourhood": "",
        "phone": "+33 6 12 34 56 78",
        "optional_emails": "y",
        "languages-0-language": "ar",
        "languages-0-level": "native",
        "languages-1-language": "fr",
        "languages-1-level": "C1",
    }
    data.update(changes)
    return data


def test_profile_is_saved(client, login_as, app):
    account = login_as("resident")
    place = neighbourhood(app)
    response = client.post("/account", data=profile_data(neighbourhood=str(place)))
    assert response.status_code == 303
    with app.app_context():
        user = db.session.get(User, account.id)
        assert user.name == "Amina Benali"
        assert user.neighbourhood_id == place
        assert user.phone == "+33 6 12 34 56 78"
        assert sorted((s.language, s.level) for s in user.languages) == [
            ("ar", "native"), ("fr", "C1")]


def test_profile_htmx_save_returns_the_form_fragment(client, login_as, app):
    login_as("resident", locale="fr")
    response = client.post("/account", data=profile_data(),
                           headers={"HX-Request": "true", "HX-Target": "profile-form"})
    assert response.status_code == 200
    html = page_text(response)
    assert "<html" not in html
    assert 'id="profile-form"' in html
    assert "Votre profil est enregistré." in html


def test_each_select_shows_the_persons_choice_in_their_language(client, login_as):
    # The options are written once per language and set of choices, then only the
    # person's own is marked: a French page and an English one each get their own words.
    login_as("resident", locale="fr", languages=[("ar", "native"), ("uk", "B1")])
    html = page_text(client.get("/account"))
    assert '<option selected value="ar">Arabe</option>' in html
    assert '<option selected value="uk">Ukrainien</option>' in html
    assert '<option selected value="B1">B1 – intermédiaire</option>' in html
    assert '<option value="uk">Ukrainien</option>' in html  # the first row's, not chosen
    client.post("/logout")
    login_as("resident", locale="en", languages=[("ar", "native")])
    html = page_text(client.get("/account"))
    assert '<option selected value="ar">Arabic</option>' in html
    assert '<option selected value="native">Native or first language</option>' in html
    assert '<select id="languages-0-language" name="languages-0-language">' in html
    assert "Arabe" not in html


def test_bad_phone_is_refused_and_everything_kept(client, login_as, app):
    account = login_as("resident")
    response = client.post("/account", data=profile_data(phone="call me maybe"),
                           headers={"HX-Request": "true", "HX-Target": "profile-form"})
    assert response.status_code == 422
    html = page_text(response)
    assert 'id="phone-errors"' in html
    assert 'value="call me maybe"' in html
    assert 'value="Amina Benali"' in html
    assert '<option selected value="C1">C1 – advanced</option>' in html  # the row as sent
    with app.app_context():
        assert db.session.get(User, account.id).phone is None


def test_level_is_needed_for_each_language(client, login_as):
    login_as("resident")
    response = client.post("/account", data=profile_data(**{"languages-1-level": ""}))
    assert response.status_code == 422
    assert "Please choose how well you speak it." in page_text(response)


def test_a_language_can_be_listed_once(client, login_as):
    login_as("resident")
    response = client.post("/account", data=profile_data(**{"languages-1-language": "ar"}))
    assert response.status_code == 422
    assert "This language is already in your list." in page_text(response)


def test_add_language_adds_a_row_without_saving(client, login_as, app):
    account = login_as("resident")
    response = client.post("/account", data=profile_data(add_language="Add another language"))
    assert response.status_code == 200
    assert 'name="languages-2-language"' in page_text(response)
    with app.app_context():
        assert db.session.get(User, account.id).languages == []


def test_removing_a_language(client, login_as, app):
    account = login_as("resident", languages=[("ar", "native"), ("fr", "B1")])
    data = profile_data(**{"languages-1-language": "", "languages-1-level": ""})
    assert client.post("/account", data=data).status_code == 303
    with app.app_context():
        assert [s.language for s in db.session.get(User, account.id).languages] == ["ar"]


def test_own_data_download(client, login_as):
    account = login_as("resident", languages=[("uk", "native")])
    response = client.get("/account/my-data.json")
    assert response.status_code == 200
    assert response.json["account"]["email"] == account.email
    assert response.json["languages"] == [{"language": "uk", "level": "native"}]
    assert "password" not in response.get_data(as_text=True)
    assert response.headers["Content-Disposition"] == 'attachment; filename="my-data.json"'
    page = client.get("/account/my-data")
    assert page.status_code == 200
    assert account.email in page_text(page) and "Ukrainian" in page_text(page)
