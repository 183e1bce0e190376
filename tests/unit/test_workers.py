"""The HTTP handlers' worker threads: results and errors reach the waiting coroutine, work is not lost."""

import asyncio
import threading
import time

import pytest

from chronus.http.workers import Workers


def test_results_and_exceptions_reach_the_awaiting_coroutine() -> None:
    workers = Workers(max_workers=2, thread_name_prefix="t")

    async def main() -> tuple:
        ok = await workers.run(lambda a, b: (a + b, threading.current_thread().name), 2, 3)
        with pytest.raises(ZeroDivisionError):
            await workers.run(lambda: 1 / 0)
        return ok

    value, thread_name = asyncio.run(main())
    workers.shutdown()
    assert value == 5
    assert thread_name.startswith("t_")


def test_threads_are_capped_and_calls_run_concurrently_up_to_the_cap() -> None:
    workers = Workers(max_workers=3)
    running, most = 0, 0
    lock = threading.Lock()

    def slow(i: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return i * 10

    async def main() -> list:
        return await asyncio.gather(*(workers.run(slow, i) for i in range(9)))

    assert asyncio.run(main()) == [i * 10 for i in range(9)]
    assert most == 3
    assert len(workers._threads) == 3
    workers.shutdown()


def test_shutdown_finishes_queued_work_then_refuses_more() -> None:
    workers = Workers(max_workers=1)
    done: list[int] = []
    for i in range(5):
        workers.submit(lambda i=i: (time.sleep(0.01), done.append(i)))
    workers.shutdown(wait=True)
    assert done == [0, 1, 2, 3, 4]
    with pytest.raises(RuntimeError, match="after shutdown"):
        workers.submit(print)
    workers.shutdown()  # a second shutdown is a no-op


def test_an_idle_thread_is_reused_rather_than_a_new_one_started() -> None:
    workers = Workers(max_workers=4)

    async def main() -> set:
        names = set()
        for _ in range(20):
            names.add(await workers.run(lambda: threading.current_thread().name))
        return names

    assert len(asyncio.run(main())) == 1
    workers.shutdown()


def test_a_failure_nobody_waits_for_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    workers = Workers(max_workers=1)
    with caplog.at_level("ERROR", logger="chronus.http"):
        workers.submit(lambda: 1 / 0)
        workers.shutdown(wait=True)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["background work failed: ZeroDivisionError: division by zero"]
