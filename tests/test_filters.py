"""A list's filters never show an error: opening a queue, or a URL edited by hand, is not
a mistake the person made (formtools.filter_values)."""

import pytest

QUEUES = ("/coordinate/applications", "/coordinate/hours")


@pytest.mark.parametrize("path", QUEUES)
def test_a_queue_opens_without_errors(client, login_as, path):
    login_as("coordinator")
    response = client.get(path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Not a valid choice" not in html and 'aria-invalid="true"' not in html


@pytest.mark.parametrize("path", QUEUES)
def test_a_value_edited_by_hand_is_ignored_quietly(client, login_as, path):
    login_as("coordinator")
    response = client.get(f"{path}?role=astronaut&age=-3&waiting=x&status=nope")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Not a valid choice" not in html and 'aria-invalid="true"' not in html
    # (That a valid filter still narrows the queue: tests/volunteering and tests/hours.)
