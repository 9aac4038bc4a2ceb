"""What people typed keeps its own direction on a right-to-left page: "Welcome aboard!"
on an Arabic page keeps its "!" at the end (the paragraph's direction follows its text)."""

from pathlib import Path

from mentorship.extensions import db
from mentorship.volunteering.models import Application
from tests.conftest import page_text

CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "app.css"


def test_a_message_in_another_script_is_isolated(app, client, login_as, apply_for):
    account = login_as("resident", locale="ar")
    application_id = apply_for(account)
    with app.app_context():
        application = db.session.get(Application, application_id)
        application.status, application.decision_message = "info_requested", "Welcome aboard!"
        db.session.commit()
    html = page_text(client.get("/volunteer"))
    assert 'dir="rtl"' in html[:300]
    assert '<p class="quote">Welcome aboard!</p>' in html
    # The rule that lets the quote's own text decide its direction.
    assert ".quote { unicode-bidi: plaintext;" in CSS.read_text()
