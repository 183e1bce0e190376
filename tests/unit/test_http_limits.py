"""The write throttler's admission rules and the ``/debug/requests`` / ``/debug/pprof`` helpers."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest
import tornado.web

from chronus.http import debug
from chronus.http.cors import cors_headers
from chronus.http.limits import EXCEEDS_TIMEOUT, QUEUE_FULL, LimitedHTTPServer, Throttled, WriteThrottler


def run(coro):
    return asyncio.run(coro)


def test_no_concurrency_limit_means_no_throttling() -> None:
    async def main() -> None:
        throttler = WriteThrottler(0, 5, 1.0)
        assert [await throttler.admit() for _ in range(100)] == [None] * 100

    run(main())


def test_queue_full_counts_running_and_waiting_writes() -> None:
    async def main() -> None:
        throttler = WriteThrottler(1, 1, 0)
        first = await throttler.admit()
        second = asyncio.ensure_future(throttler.admit())
        await asyncio.sleep(0)
        assert not second.done()
        with pytest.raises(Throttled) as refused:
            await throttler.admit()
        assert str(refused.value) == QUEUE_FULL == "request throttled, queue full"
        first.release()
        first.release()  # idempotent
        slot = await second
        assert (throttler.running, throttler.in_system) == (1, 1)
        slot.release()
        assert (throttler.running, throttler.in_system) == (0, 0)

    run(main())


def test_waiting_write_times_out_and_gives_its_place_back() -> None:
    async def main() -> None:
        throttler = WriteThrottler(1, 0, 0.05)
        first = await throttler.admit()
        with pytest.raises(Throttled) as refused:
            await throttler.admit()
        assert str(refused.value) == EXCEEDS_TIMEOUT == "request throttled, exceeds timeout"
        first.release()
        assert throttler.running == 0
        again = await throttler.admit()
        assert throttler.running == 1
        again.release()

    run(main())


def test_waiting_writes_are_admitted_in_arrival_order() -> None:
    async def main() -> None:
        throttler = WriteThrottler(1, 0, 0)
        first = await throttler.admit()
        order: list[int] = []

        async def wait(n: int) -> None:
            slot = await throttler.admit()
            order.append(n)
            await asyncio.sleep(0)
            slot.release()

        tasks = [asyncio.ensure_future(wait(n)) for n in range(4)]
        await asyncio.sleep(0)
        first.release()
        await asyncio.gather(*tasks)
        assert order == [0, 1, 2, 3]
        assert throttler.running == 0

    run(main())


def test_a_cancelled_waiter_does_not_keep_a_slot() -> None:
    async def main() -> None:
        throttler = WriteThrottler(1, 2, 0)
        first = await throttler.admit()
        waiting = asyncio.ensure_future(throttler.admit())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert throttler.in_system == 1
        first.release()
        assert (throttler.running, throttler.in_system) == (0, 0)

    run(main())


def test_cors_headers_only_with_an_origin() -> None:
    assert cors_headers("") == {}
    assert cors_headers("http://a") == {
        "Access-Control-Allow-Origin": "http://a",
        "Access-Control-Allow-Methods": "DELETE, GET, OPTIONS, POST, PUT",
        "Access-Control-Allow-Headers": "Accept, Accept-Encoding, Authorization, Content-Length, "
                                        "Content-Type, X-CSRF-Token, X-HTTP-Method-Override",
        "Access-Control-Expose-Headers": "Date, X-InfluxDB-Version, X-InfluxDB-Build",
    }


@pytest.mark.parametrize(("raw", "seconds"), [(None, 10), ("", 10), ("0", 0), ("-1", 0), ("+3", 3),
                                              ("21600", 21600), ("9223372036854775807", 0)])
def test_window_seconds(raw: str | None, seconds: float) -> None:
    assert debug.window_seconds(raw) == seconds


@pytest.mark.parametrize(("raw", "message"), [
    ("abc", 'strconv.ParseInt: parsing "abc": invalid syntax'),
    ("1_0", 'strconv.ParseInt: parsing "1_0": invalid syntax'),
    ("-", 'strconv.ParseInt: parsing "-": invalid syntax'),
    ("99999999999999999999", 'strconv.ParseInt: parsing "99999999999999999999": value out of range'),
    ("21601", "exceeded maximum interval time: 21601s > 6h"),
    ("25200", "exceeded maximum interval time: 7h > 6h"),
    ("604800", "exceeded maximum interval time: 1w > 6h"),
])
def test_window_seconds_refused(raw: str, message: str) -> None:
    with pytest.raises(debug.WindowError) as refused:
        debug.window_seconds(raw)
    assert str(refused.value) == message


def test_request_tracker_counts_per_client_in_every_open_window() -> None:
    tracker = debug.RequestTracker()
    tracker.add("/write", "127.0.0.1", None)  # nobody watching: not counted anywhere
    first = tracker.open()
    tracker.add("/write", "127.0.0.1", None)
    second = tracker.open()
    tracker.add("/query", "127.0.0.1", "admin")
    tracker.add("/query", "::1", None)
    tracker.add("/api/v2/write", "127.0.0.1", None)
    tracker.add("/ping", "127.0.0.1", None)
    tracker.close(second)
    tracker.add("/write", "127.0.0.1", None)
    tracker.close(first)
    assert first.body() == (b'{\n"127.0.0.1": {"writes":2,"queries":0},\n'
                            b'"admin:127.0.0.1": {"writes":0,"queries":1},\n'
                            b'"::1": {"writes":0,"queries":1}\n}\n')
    assert second.body() == (b'{\n"admin:127.0.0.1": {"writes":0,"queries":1},\n'
                             b'"::1": {"writes":0,"queries":1}\n}\n')
    assert debug.RequestWindow().body() == b"{\n\n}\n"


def test_goroutine_text_lists_the_python_threads() -> None:
    started, stop = threading.Event(), threading.Event()

    def parked() -> None:
        started.set()
        stop.wait()

    thread = threading.Thread(target=parked, name="parked-thread")
    thread.start()
    started.wait()
    try:
        full = debug.goroutine_text(2)
        grouped = debug.goroutine_text(1)
    finally:
        stop.set()
        thread.join()
    assert full.startswith("thread ")
    assert "thread parked-thread (" in full and "parked()\n\t" in full
    threads = full.count("\nthread ") + 1
    assert threads >= 2
    assert grouped.startswith(f"goroutine profile: total {threads}\n")
    assert "#\tparked\t" in grouped


def test_index_page_links_the_profiles() -> None:
    page = debug.index_page()
    assert page.startswith("<html>\n<head>\n<title>/debug/pprof/</title>")
    for name in ("cmdline", "goroutine", "profile"):
        assert f"<a href='{name}?debug=1'>{name}</a>" in page
    assert '<a href="goroutine?debug=2">full goroutine stack dump</a>' in page


def test_stack_sampler_folds_stacks() -> None:
    sampler = debug.StackSampler()
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, name="waiter")
    thread.start()
    try:
        for _ in range(3):
            sampler.sample()
    finally:
        stop.set()
        thread.join()
    text = sampler.text(1)
    assert text.startswith("cpu profile: 3 samples over 1s\n")
    assert any(line.endswith(" 3") and "wait (" in line for line in text.splitlines()[1:])


@pytest.mark.parametrize(("raw", "seconds"), [("", 30), ("0", 30), ("-2", 30), ("x", 30), ("5", 5)])
def test_profile_seconds(raw: str, seconds: int) -> None:
    assert debug.profile_seconds(raw) == seconds


def test_process_vars_is_expvar_json() -> None:
    text = debug.process_vars()
    assert text.startswith('{\n"cmdline": [') and text.endswith("}\n")
    parsed = json.loads(text)
    assert list(parsed) == ["cmdline", "memstats"]
    assert parsed["memstats"]["Sys"] > 0 and parsed["memstats"]["NumGC"] >= 0


def test_tab_table_pads_cells_with_tabs() -> None:
    text = debug.tab_table([(["id", "database"], [[1, "a_long_database_name"], [22, None]]),
                            (["x"], [[True]])])
    assert text == ("id\tdatabase\t\t\n"
                    "1\ta_long_database_name\t\n"
                    "22\t\t\t\t\n"
                    "\n"
                    "x\t\n"
                    "true\t\n")


def test_idle_keep_alive_connections_are_never_timed_out() -> None:
    # influxd's http.Server has no idle or header timeout; Tornado's default closes one after 3600 s
    server = LimitedHTTPServer(tornado.web.Application([]), max_connections=3)
    assert server.conn_params.header_timeout is None
    assert server.max_connections == 3
