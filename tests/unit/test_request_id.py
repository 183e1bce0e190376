"""Request ids are version-1 UUIDs whose times follow the clock and never repeat."""

import time
import uuid

from chronus.http.request_id import RequestIds


def test_ids_are_rfc4122_version_1_with_the_current_time() -> None:
    ids = RequestIds()
    before = time.time_ns() // 100 + 0x01B21DD213814000
    parsed = uuid.UUID(ids.next())
    after = time.time_ns() // 100 + 0x01B21DD213814000
    assert parsed.version == 1
    assert parsed.variant == uuid.RFC_4122
    assert before <= parsed.time <= after
    assert parsed.node & 0x010000000000  # the multicast bit marks a node that is no MAC


def test_ids_strictly_increase_even_within_one_clock_tick() -> None:
    ids = RequestIds()
    times = [uuid.UUID(ids.next()).time for _ in range(10_000)]
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    assert len({ids.next() for _ in range(1000)}) == 1000


def test_the_clock_going_back_still_gives_a_later_time(monkeypatch) -> None:
    ids = RequestIds()
    first = uuid.UUID(ids.next()).time
    monkeypatch.setattr(time, "time_ns", lambda: 0)
    assert uuid.UUID(ids.next()).time == first + 1


def test_string_form_matches_the_uuid_module() -> None:
    ids = RequestIds()
    text = ids.next()
    assert str(uuid.UUID(text)) == text
    assert len(text) == 36
