"""One test per factor of the score, on plain objects (no database).

The expected scores are worked out by hand from the rules in scoring.py's docstring
(never read back from its WEIGHTS): a change of weight must show up here.
"""

from datetime import date

import pytest

from mentorship.matching.scoring import Candidate, Need
from mentorship.matching.scoring import score_and_explain as score

TODAY = date(2026, 11, 28)
# 2027-02-28 is exactly the three months a commitment needs: no bonus for time left.
THREE_MONTHS_LEFT = date(2027, 2, 28)


def need(**changes):
    values = dict(role="mentor", languages={"fr", "ar"}, target_language=None,
                  neighbourhood_id=1, availability={"tue-evening"})
    values.update(changes)
    return Need(**values)


def candidate(**changes):
    values = dict(commitment_id=1, user_id=1, name="V", end_date=THREE_MONTHS_LEFT,
                  neighbourhood_id=2, availability=set(), current_matches=0, capacity=2,
                  languages={})
    values.update(changes)
    return Candidate(**values)


def points(app, changed, **need_changes):
    with app.test_request_context():
        return score(need(**need_changes), changed, TODAY).score


def test_each_shared_language_counts_up_to_two(app):
    assert points(app, candidate(languages={"fr": "native"})) == 20
    assert points(app, candidate(languages={"fr": "native", "ar": "B1"})) == 40
    # A third language in common adds nothing.
    assert points(app, candidate(languages={"fr": "native", "ar": "B1", "uk": "A2"}),
                  languages={"fr", "ar", "uk"}) == 40


def test_no_shared_language_is_penalised_but_kept(app):
    with app.test_request_context():
        lonely = score(need(), candidate(languages={"de": "C2"}), TODAY)
    assert lonely.score == -100
    assert "No language in common" in [str(r) for r in lonely.reasons]


def test_target_language_at_b2_or_above_for_language_buddies(app):
    buddy = dict(role="language_buddy", target_language="fr")
    # French is also a shared language (+20); offered at B2 or above +30, else -40.
    assert points(app, candidate(languages={"fr": "C1"}), **buddy) == 50
    assert points(app, candidate(languages={"fr": "B2"}), **buddy) == 50
    assert points(app, candidate(languages={"fr": "native"}), **buddy) == 50
    assert points(app, candidate(languages={"fr": "B1"}), **buddy) == -20
    # Not spoken at all: no language in common either.
    assert points(app, candidate(languages={"de": "C2"}), **buddy) == -140
    # For other roles the target language plays no part.
    assert points(app, candidate(languages={"fr": "C1"}), role="mentor",
                  target_language="fr") == 20
    assert points(app, candidate(languages={"fr": "B1"}), role="mentor",
                  target_language="fr") == 20


def test_same_neighbourhood(app):
    assert points(app, candidate(languages={"fr": "C1"}, neighbourhood_id=1)) == 35
    assert points(app, candidate(languages={"fr": "C1"}, neighbourhood_id=2)) == 20
    # A newcomer who gave no neighbourhood matches nobody's.
    assert points(app, candidate(languages={"fr": "C1"}, neighbourhood_id=None),
                  neighbourhood_id=None) == 20


def test_overlapping_slots_count_up_to_six(app):
    assert points(app, candidate(availability={"tue-evening"})) == -96
    assert points(app, candidate(availability={"tue-evening", "wed-evening"}),
                  availability={"tue-evening", "wed-evening"}) == -92
    many = {f"{d}-evening" for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    assert points(app, candidate(availability=many), availability=many) == -76


def test_fewer_current_matches_rank_higher(app):
    assert points(app, candidate(current_matches=1)) == -108
    assert points(app, candidate(current_matches=3)) == -124


def test_more_time_left_ranks_higher(app):
    assert points(app, candidate(end_date=date(2027, 4, 28))) == -98  # 5 months: +2
    assert points(app, candidate(end_date=date(2028, 11, 28))) == -88  # 24 months: +12 at most
    assert points(app, candidate(end_date=date(2027, 1, 28))) == -100  # 2 months: no malus


def test_reasons_in_words(app):
    with app.test_request_context():
        scored = score(need(availability={"mon-evening", "tue-evening", "thu-evening"}),
                       candidate(languages={"ar": "native", "fr": "C1"}, neighbourhood_id=1,
                                 availability={"mon-evening", "tue-evening", "thu-evening"},
                                 current_matches=1, capacity=3), TODAY)
        words = " · ".join(str(r) for r in scored.reasons)
    assert words.startswith("Speaks Arabic and French · Same neighbourhood · "
                            "3 shared evening slots · 1 of 3 places taken")
    # 2 languages (40) + neighbourhood (15) + 3 slots (12) - 1 current match (8).
    assert scored.score == 59


@pytest.mark.parametrize(("slots", "text"), [
    ({"mon-morning"}, "1 shared morning slot"),
    ({"mon-morning", "tue-evening"}, "2 shared time slots"),
])
def test_slot_words(app, slots, text):
    with app.test_request_context():
        scored = score(need(availability=slots), candidate(availability=slots), TODAY)
        assert text in [str(r) for r in scored.reasons]


def test_a_score_reads_as_a_kind_of_fit():
    from mentorship.matching.scoring import fit

    assert [fit(s) for s in (120, 50, 49, 0, -1, -144)] == [
        "good", "good", "possible", "possible", "poor", "poor"]
