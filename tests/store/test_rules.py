from __future__ import annotations

from store.models import DeliveryState, EventType, Sentiment
from store.rules import RecipientState, apply_event, plan_changes
from tests.factories import at, event


def _state(*events: object) -> RecipientState:
    state = RecipientState()
    for e in events:
        apply_event(state, e)  # type: ignore[arg-type]
    return state


def test_read_implies_delivered_and_sent_at_its_time() -> None:
    state = _state(event("c", "READ", "r", 5))

    assert (state.sent_at, state.delivered_at, state.read_at) == (at(5), at(5), at(5))
    assert state.delivery_state is DeliveryState.READ


def test_a_late_receipt_moves_the_transition_earlier() -> None:
    state = _state(event("c", "READ", "r", 5), event("c", "SENT", "r", 1))

    assert state.sent_at == at(1)
    assert state.delivered_at == at(5)


def test_click_and_reply_imply_read() -> None:
    clicked = _state(event("c", "BUTTON_CLICKED", "r", 3, button="b"))
    replied = _state(event("c", "REPLIED", "r", 4))

    assert clicked.read_at == at(3) and replied.read_at == at(4)


def test_failed_only_while_never_delivered() -> None:
    failed = _state(event("c", "SENT", "r", 0), event("c", "FAILED", "r", 1))
    recovered = _state(event("c", "FAILED", "r", 1), event("c", "DELIVERED", "r", 2))

    assert failed.delivery_state is DeliveryState.FAILED
    assert recovered.delivery_state is DeliveryState.DELIVERED


def test_an_old_label_removal_does_not_undo_a_newer_add() -> None:
    state = _state(
        event("c", "LABEL_ADDED", "r", 10, label="lead"),
        event("c", "LABEL_REMOVED", "r", 5, label="lead"),
    )

    assert state.current_labels == ["lead"]


def test_latest_sentiment_wins_whatever_the_arrival_order() -> None:
    newer = event("c", "SENTIMENT_SET", "r", 9, sentiment="NEGATIVE")
    older = event("c", "SENTIMENT_SET", "r", 2, sentiment="POSITIVE")

    assert _state(newer, older).sentiment == _state(older, newer).sentiment
    assert _state(newer, older).sentiment.value is Sentiment.NEGATIVE  # type: ignore[union-attr]


def test_applying_the_same_event_twice_changes_nothing() -> None:
    click = event("c", "BUTTON_CLICKED", "r", 3, button="b")

    assert _state(click) == _state(click, click)


def test_plan_counts_first_time_transitions_and_moves_sentiment_between_buckets() -> None:
    # given a recipient who read and was positive
    before = {
        "c:r": _state(
            event("c", "READ", "r", 1), event("c", "SENTIMENT_SET", "r", 1, sentiment="POSITIVE")
        )
    }

    # when a later READ and a newer sentiment arrive
    plan = plan_changes(
        before,
        {
            "c:r": [
                event("c", "READ", "r", 7),
                event("c", "SENTIMENT_SET", "r", 8, sentiment="NEUTRAL"),
            ]
        },
    )

    # then no delivery count moves, and the sentiment moves from POSITIVE to NEUTRAL
    assert plan.delta.counts == {}
    assert plan.delta.sentiments == {Sentiment.POSITIVE: -1, Sentiment.NEUTRAL: 1}


def test_plan_leaves_out_recipients_whose_state_did_not_change() -> None:
    sent = event("c", "SENT", "r", 1)
    before = {"c:r": _state(sent)}

    plan = plan_changes(before, {"c:r": [sent]})

    assert plan.new_states == {} and plan.delta.is_empty()


def test_label_events_alone_do_not_make_a_recipient() -> None:
    plan = plan_changes({}, {"c:r": [event("c", EventType.LABEL_ADDED, "r", 1, label="x")]})

    assert "recipients" not in plan.delta.counts
    assert plan.delta.labels == {"x": 1}
