"""The application card's Python helpers (volunteering/coordinate.py) write what the
templates they replace wrote: the availability summary macro and the card's words."""

import pytest
from flask import render_template_string

from mentorship.volunteering.coordinate import (
    LabelsOfThePage,
    application_card_words,
    availability_badges,
)
from mentorship.volunteering.models import ROLE_NAMES

SLOTS = (
    None,
    [],
    ["mon-morning"],
    ["sat-morning", "mon-morning", "tue-evening", "tue-morning"],
    [f"{day}-{part}" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
     for part in ("morning", "afternoon", "evening")],
)


def _squeezed(html):
    return "".join(str(html).split())


@pytest.mark.parametrize("locale", ["en", "fr", "ar", "uk"])
def test_availability_badges_are_the_summary_macro(app, locale):
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        for slots in SLOTS:
            macro = render_template_string(
                '{% from "_macros/availability.html" import availability_summary %}'
                "{{ availability_summary(slots) }}", slots=slots)
            assert _squeezed(availability_badges(slots)) == _squeezed(macro)


@pytest.mark.parametrize("locale", ["en", "fr", "ar", "uk"])
def test_card_words_are_the_templates_words(app, locale):
    with app.test_request_context("/", headers={"Accept-Language": locale}):
        words = application_card_words()
        written = render_template_string(
            '{{ _("Status") }}|{{ _("Ask for more information") }}|{{ _("Last message:") }}'
            "|{{ role_names['mentor'] }}")
        assert written == (f"{words['status']}|{words['ask']}|{words['last_message']}"
                           f"|{words['roles']['mentor']}")


def test_labels_of_the_page_look_each_label_up_once(app):
    with app.test_request_context("/"):
        labels = LabelsOfThePage(ROLE_NAMES)
        assert labels["mentor"] == str(ROLE_NAMES["mentor"])
        assert "mentor" in labels and len(labels) == 1
