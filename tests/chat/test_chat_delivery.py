"""Resume and de-duplication decisions (chat/delivery.py), pure."""

from __future__ import annotations

import random

import pytest

from chat.delivery import Delivery, Offer, ReplayPlan

CID = 12


def test_nothing_is_sent_for_a_conversation_not_followed() -> None:
    delivery = Delivery(replay_limit=500)
    assert not delivery.following(CID)
    assert delivery.offer(CID, 1) is Offer.skip
    assert delivery.last_seq(CID) == 0


@pytest.mark.parametrize(
    ("delivered", "seq", "decision"),
    [
        (0, 1, Offer.send),
        (4, 5, Offer.send),
        (4, 4, Offer.skip),
        (4, 1, Offer.skip),
        (4, 6, Offer.gap),
        (0, 2, Offer.gap),
        (4, 100, Offer.gap),
    ],
)
def test_send_skip_or_gap(delivered: int, seq: int, decision: Offer) -> None:
    delivery = Delivery(replay_limit=500)
    delivery.follow(CID, delivered)
    assert delivery.offer(CID, seq) is decision
    assert delivery.last_seq(CID) == delivered, "offering decides; it records nothing"


def test_delivered_only_moves_forward() -> None:
    delivery = Delivery(replay_limit=500)
    delivery.follow(CID, 3)
    delivery.delivered(CID, 5)
    delivery.delivered(CID, 4)
    assert delivery.last_seq(CID) == 5
    assert delivery.offer(CID, 5) is Offer.skip
    assert delivery.offer(CID, 6) is Offer.send


def test_follow_restarts_and_unfollow_forgets() -> None:
    delivery = Delivery(replay_limit=500)
    delivery.follow(CID, 9)
    delivery.follow(7, 0)
    assert sorted(delivery.followed()) == [7, CID]
    delivery.follow(CID, 2)  # a client resuming from an older point gets the rest again
    assert delivery.offer(CID, 3) is Offer.send
    delivery.unfollow(CID)
    delivery.unfollow(CID)  # twice is harmless
    assert delivery.followed() == [7]
    assert delivery.offer(CID, 3) is Offer.skip


@pytest.mark.parametrize(
    ("delivered", "head", "plan"),
    [
        (0, 0, ReplayPlan(after_seq=0, resync=False)),
        (7, 10, ReplayPlan(after_seq=7, resync=False)),
        (10, 10, ReplayPlan(after_seq=10, resync=False)),
        (0, 5, ReplayPlan(after_seq=0, resync=False)),  # exactly at the limit: still replayed
        (0, 6, ReplayPlan(after_seq=0, resync=True)),
        (94, 100, ReplayPlan(after_seq=94, resync=True)),
        (95, 100, ReplayPlan(after_seq=95, resync=False)),
    ],
)
def test_replay_plan_and_resync_threshold(delivered: int, head: int, plan: ReplayPlan) -> None:
    delivery = Delivery(replay_limit=5)
    delivery.follow(CID, delivered)
    assert delivery.plan_replay(CID, head) == plan


# ---- Zulip's replay check -------------------------------------------------
# A client holding the snapshot at seq N, then fed the live events up to M (late,
# twice, out of order, some lost) through the same decisions chat/ws.py makes,
# ends up with exactly the snapshot at M.


def snapshot(timeline: list[int], upto: int) -> list[int]:
    return [seq for seq in timeline if seq <= upto]


def catch_up(timeline: list[int], have: int, bus: list[int], replay_limit: int) -> list[int]:
    """What the client shows: its snapshot plus what the connection sends it."""
    shown = snapshot(timeline, have)
    delivery = Delivery(replay_limit)
    delivery.follow(CID, have)

    def deliver(seq: int) -> None:
        delivery.delivered(CID, seq)
        shown.append(seq)

    def replay() -> None:
        # As chat/ws.py: the store holds the whole timeline (the bus lags behind it).
        head = timeline[-1]
        plan = delivery.plan_replay(CID, head)
        if plan.resync:  # the client reloads the conversation instead
            shown[:] = snapshot(timeline, head)
            delivery.follow(CID, head)
            return
        for seq in timeline[plan.after_seq : plan.after_seq + replay_limit]:
            if delivery.offer(CID, seq) is not Offer.skip:
                deliver(seq)

    for seq in bus:
        decision = delivery.offer(CID, seq)
        if decision is Offer.send:
            deliver(seq)
        elif decision is Offer.gap:
            replay()
    return shown


@pytest.mark.parametrize("seed", range(40))
def test_snapshot_at_n_plus_events_to_m_equals_snapshot_at_m(seed: int) -> None:
    rng = random.Random(seed)
    m = rng.randint(1, 60)
    n = rng.randint(0, m)
    timeline = list(range(1, m + 1))
    # The bus rings for every seq after N (and some before), late, twice or never.
    bus = [seq for seq in timeline if seq > n - rng.randint(0, 3) and rng.random() > 0.2]
    bus += rng.sample(bus, k=len(bus) // 4)
    rng.shuffle(bus)
    bus.append(m)  # the newest one arrives eventually (else nothing tells the client)
    shown = catch_up(timeline, n, bus, replay_limit=rng.choice([3, 500]))
    assert shown == snapshot(timeline, m)


def test_in_order_bus_needs_no_replay() -> None:
    timeline = list(range(1, 21))
    assert catch_up(timeline, 5, list(range(6, 21)), replay_limit=500) == timeline
