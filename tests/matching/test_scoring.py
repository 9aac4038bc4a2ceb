"""One test per factor of the score, on plain objects (no database)."""

from datetime import date

import pytest

from mentorship.matching.scoring import WEIGHTS, Candidate, Need
from mentorship.matching.scoring import score_and_explain as score

TODAY = date(2026, 11, 28)


def need(**changes):
    values = dict(role="mentor", languages={"fr", "ar"}, target_language=None,
                  neighbourhood_id=1, availability={"tue-evening"})
    values.update(changes)
    return Need(**values)


def candidate(**changes):
    values = dict(commitment_id=1, user_id=1, name="V", end_date=date(2027, 2, 28),
                  neighbourhood_id=2, availability=set(), current_matches=0, capacity=2,
                  languages={})
    values.update(changes)
    return Candidate(**values)


def delta(app, base, changed, **need_changes):
    with app.test_request_context():
        return (score(need(**need_changes), changed, TODAY).score
                - score(need(**need_changes), base, TODAY).score)


def test_each_shared_language_counts_up_to_two(app):
    assert delta(app, candidate(languages={"fr": "native"}),
                 candidate(languages={"fr": "native", "ar": "B1"})) == WEIGHTS["shared_language"]
    assert delta(app, candidate(languages={"fr": "native", "ar": "B1"}),
                 candidate(languages={"fr": "native", "ar": "B1"}),
                 languages={"fr", "ar"}) == 0


def test_no_shared_language_is_penalised_but_kept(app):
    with app.test_request_context():
        lonely = score(need(), candidate(languages={"de": "C2"}), TODAY)
    assert lonely.score <= WEIGHTS["no_shared_language"] + 20
    assert "No language in common" in [str(r) for r in lonely.reasons]


def test_target_language_at_b2_or_above_for_language_buddies(app):
    strong = candidate(languages={"fr": "C1"})
    weak = candidate(languages={"fr": "B1"})
    assert delta(app, weak, strong, role="language_buddy", target_language="fr") == (
        WEIGHTS["target_language_offered"] - WEIGHTS["target_language_missing"])
    # For other roles the target language plays no part.
    assert delta(app, weak, strong, role="mentor", target_language="fr") == 0


def test_same_neighbourhood(app):
    assert delta(app, candidate(neighbourhood_id=2), candidate(neighbourhood_id=1)) == (
        WEIGHTS["same_neighbourhood"])


def test_overlapping_slots_count_up_to_six(app):
    assert delta(app, candidate(), candidate(availability={"tue-evening"})) == (
        WEIGHTS["shared_slot"])
    many = {f"{d}-evening" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert delta(app, candidate(), candidate(availability=many), availability=many) == (
        WEIGHTS["shared_slot"] * WEIGHTS["max_shared_slots"])


def test_fewer_current_matches_rank_higher(app):
    assert delta(app, candidate(current_matches=0), candidate(current_matches=1)) == (
        WEIGHTS["per_current_match"])


def test_more_time_left_ranks_higher(app):
    assert delta(app, candidate(end_date=date(2027, 2, 28)),
                 candidate(end_date=date(2027, 4, 28))) == 2 * WEIGHTS["month_left"]


def test_reasons_in_words(app):
    with app.test_request_context():
        scored = score(need(availability={"mon-evening", "tue-evening", "thu-evening"}),
                       candidate(languages={"ar": "native", "fr": "C1"}, neighbourhood_id=1,
                                 availability={"mon-evening", "tue-evening", "thu-evening"},
                                 current_matches=1, capacity=3), TODAY)
        words = " · ".join(str(r) for r in scored.reasons)
    assert words.startswith("Speaks Arabic and French · Same neighbourhood · "
                            "3 shared evening slots · 1 of 3 places taken")


@pytest.mark.parametrize(("slots", "text"), [
    ({"mon-morning"}, "1 shared morning slot"),
    ({"mon-morning", "tue-evening"}, "2 shared time slots"),
])
def test_slot_words(app, slots, text):
    with app.test_request_context():
        scored = score(need(availability=slots), candidate(availability=slots), TODAY)
        assert text in [str(r) for r in scored.reasons]
