"""The query manager (chronus/query/tasks.py): ids, SHOW QUERIES rows, KILL QUERY, limits, interruption."""

from __future__ import annotations

import threading
import time

import pytest

from chronus.query.executor import QueryError
from chronus.query.tasks import (
    QueryManager,
    SelectLimits,
    detached_task,
    shown_duration,
)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def manager():
    m = QueryManager()
    yield m
    m.close()


@pytest.mark.parametrize(("ns", "text"), [
    (0, "0s"), (999, "999ns"), (1_500, "1µs"), (95_123, "95µs"), (299_999_999, "299ms"),
    (1_999_999_999, "1s"), (602_400_000_000, "10m2s"), (3_600_000_000_001, "1h0m0s"),
])
def test_shown_duration_truncates_like_influxd(ns: int, text: str) -> None:
    assert shown_duration(ns) == text


def test_ids_count_up_from_one_and_are_not_reused(manager: QueryManager) -> None:
    first = manager.attach("SELECT 1", "db")
    second = manager.attach("SHOW QUERIES", "")
    assert (first.qid, second.qid) == (1, 2)
    manager.detach(first)
    assert manager.attach("SHOW DATABASES", "").qid == 3


def test_show_queries_lists_running_queries_by_id() -> None:
    clock = Clock()
    manager = QueryManager(clock=clock)
    try:
        a = manager.attach("SELECT * FROM big", "d")
        clock.now += 1.25
        b = manager.attach("SHOW QUERIES", "")
        clock.now += 0.000016
        a.kill()
        row = manager.show_queries()
        assert row.columns == ["qid", "query", "database", "duration", "status"]
        assert row.values == [[1, "SELECT * FROM big", "d", "1s", "killed"],
                              [2, "SHOW QUERIES", "", "16µs", "running"]]
        manager.detach(a)
        manager.detach(b)
        assert manager.show_queries().values == []
    finally:
        manager.close()


def test_kill_interrupts_then_refuses_twice(manager: QueryManager) -> None:
    task = manager.attach("SELECT * FROM big", "d")
    task.check()  # running: nothing to raise
    manager.kill(task.qid)
    assert task.status == "killed"
    with pytest.raises(QueryError, match="^query interrupted$"):
        task.check()
    with pytest.raises(QueryError, match="^already killed$"):
        manager.kill(task.qid)
    manager.detach(task)
    with pytest.raises(QueryError, match=f"^no such query id: {task.qid}$"):
        manager.kill(task.qid)


def test_unknown_id(manager: QueryManager) -> None:
    with pytest.raises(QueryError, match="^no such query id: 42$"):
        manager.kill(42)


def test_max_concurrent_queries_refuses_without_using_an_id() -> None:
    manager = QueryManager(max_concurrent_queries=2)
    try:
        a = manager.attach("q1", "")
        manager.attach("q2", "")
        with pytest.raises(QueryError, match=r"^max-concurrent-queries limit exceeded\(2, 2\)$"):
            manager.attach("q3", "")
        manager.detach(a)
        assert manager.attach("q4", "").qid == 3
    finally:
        manager.close()


def test_query_timeout_interrupts_with_influxd_error() -> None:
    manager = QueryManager(query_timeout_ns=50_000_000)
    try:
        task = manager.attach("SELECT * FROM big", "d")
        deadline = time.monotonic() + 5
        while not task.interrupted and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(QueryError, match="^query-timeout limit exceeded$"):
            task.check()
        assert task.status == "killed"
    finally:
        manager.close()


def test_finished_query_is_not_timed_out() -> None:
    manager = QueryManager(query_timeout_ns=50_000_000)
    try:
        task = manager.attach("SELECT 1", "")
        manager.detach(task)
        later = manager.attach("SELECT 2", "")
        time.sleep(0.02)
        later.check()  # its own timeout has not come yet
    finally:
        manager.close()


def test_point_limit_is_looked_at_once_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chronus.query.tasks.POINT_LIMIT_INTERVAL_S", 0.05)
    manager = QueryManager()
    try:
        task = manager.attach("SELECT * FROM big", "d")
        stop = task.monitor_points(10)
        task.count_points(25)
        task.check()  # not looked at yet: influxd lets a query this fast finish
        deadline = time.monotonic() + 5
        while not task.interrupted and time.monotonic() < deadline:
            time.sleep(0.01)
        stop()
        with pytest.raises(QueryError, match=r"^max-select-point limit exceeed: \(25/10\)$"):
            task.check()
    finally:
        manager.close()


def test_point_limit_below_the_limit_keeps_running(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("chronus.query.tasks.POINT_LIMIT_INTERVAL_S", 0.02)
    manager = QueryManager()
    try:
        task = manager.attach("SELECT * FROM small", "d")
        stop = task.monitor_points(10)
        task.count_points(9)
        time.sleep(0.1)
        stop()
        task.check()
    finally:
        manager.close()


def test_abort_event_interrupts(manager: QueryManager) -> None:
    abort = threading.Event()
    task = manager.attach("SELECT * FROM big", "d", abort)
    task.check()
    assert manager.show_queries().values[0][4] == "running"
    abort.set()
    assert manager.show_queries().values[0][4] == "killed"
    with pytest.raises(QueryError, match="^query interrupted$"):
        task.check()


def test_close_interrupts_and_refuses_new_queries() -> None:
    manager = QueryManager()
    task = manager.attach("SELECT * FROM big", "d")
    manager.close()
    with pytest.raises(QueryError, match="^query engine shutdown$"):
        task.check()
    with pytest.raises(QueryError, match="^query engine shutdown$"):
        manager.attach("SELECT 1", "")


def test_detached_task_has_no_limits_and_no_monitor() -> None:
    task = detached_task()
    assert task.limits == SelectLimits()
    stop = task.monitor_points(1)
    task.count_points(5)
    stop()
    task.check()


def test_limits_come_from_the_manager() -> None:
    limits = SelectLimits(max_select_point=1, max_select_series=2, max_select_buckets=3)
    manager = QueryManager(limits=limits)
    try:
        assert manager.attach("SELECT 1", "").limits == limits
    finally:
        manager.close()


# -- the executor attaches every query ---------------------------------------------------------------------


class _Statements:
    """A statement executor whose statements report the running queries or get killed midway."""

    def __init__(self, manager: QueryManager) -> None:
        self.manager = manager

    def normalize_statement(self, statement, default_database: str, default_rp: str) -> None:
        return None

    def execute_statement(self, statement, context):
        from chronus.influxql import ast
        from chronus.query.result import Result

        if isinstance(statement, ast.KillQueryStatement):
            self.manager.kill(statement.query_id)
            yield Result()
            yield Result()
            return
        yield Result(series=[self.manager.show_queries()])


def _run(manager: QueryManager, text: str, database: str = "d") -> list[dict]:
    from chronus.influxql import parse_query
    from chronus.query.executor import ExecutionOptions, QueryExecutor

    executor = QueryExecutor(_Statements(manager), manager)
    return [r.to_json_obj() for r in executor.execute(parse_query(text), ExecutionOptions(database=database))]


def test_executor_registers_the_query_as_parsed(manager: QueryManager) -> None:
    out = _run(manager, "show queries ;  SHOW QUERIES")
    assert [r["series"][0]["values"][0][:3] for r in out] == [[1, "SHOW QUERIES;\nSHOW QUERIES", "d"]] * 2
    assert manager.running() == []


def test_a_query_that_kills_itself_runs_on_as_in_influxd(manager: QueryManager) -> None:
    out = _run(manager, "KILL QUERY 1; SHOW QUERIES")
    assert out[:2] == [{"statement_id": 0}, {"statement_id": 0}]  # the task manager never looks
    assert out[2]["statement_id"] == 1
    assert out[2]["series"][0]["values"][0][4] == "killed"
    assert manager.running() == []


def test_executor_stops_a_killed_query_at_its_next_result(manager: QueryManager) -> None:
    from chronus.influxql import parse_query
    from chronus.query.executor import ExecutionOptions, QueryExecutor
    from chronus.query.result import Result

    class Slow(_Statements):
        def execute_statement(self, statement, context):
            yield Result()
            context.task.kill()
            yield Result()

    executor = QueryExecutor(Slow(manager), manager)
    query = parse_query("SELECT v FROM m; SHOW DATABASES; SHOW USERS")
    out = [r.to_json_obj() for r in executor.execute(query, ExecutionOptions(database="d"))]
    assert out == [{"statement_id": 0}, {"statement_id": 0, "error": "query interrupted"},
                   {"statement_id": 0, "error": "not executed"}, {"statement_id": 0, "error": "not executed"}]
    assert manager.running() == []


def test_executor_refuses_over_the_concurrency_limit() -> None:
    manager = QueryManager(max_concurrent_queries=1)
    try:
        manager.attach("SELECT * FROM big", "d")
        assert _run(manager, "SHOW QUERIES; SHOW QUERIES") == [
            {"statement_id": 0, "error": "max-concurrent-queries limit exceeded(1, 1)"}]
    finally:
        manager.close()


def test_log_queries_after_warns_about_a_slow_query(caplog: pytest.LogCaptureFixture) -> None:
    manager = QueryManager(log_queries_after_ns=30_000_000)
    try:
        with caplog.at_level("WARNING", logger="chronus.query"):
            fast = manager.attach("SHOW DATABASES", "")
            manager.detach(fast)
            slow = manager.attach("SELECT * FROM big", "d")
            deadline = time.monotonic() + 5
            while not caplog.records and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.05)
        assert [r.getMessage() for r in caplog.records] == [
            f"Detected slow query: SELECT * FROM big (qid: {slow.qid}, database: d, threshold: 30ms)"]
        slow.check()  # only logged, never stopped
    finally:
        manager.close()


def test_a_query_is_listed_from_the_call_until_its_results_close(manager: QueryManager) -> None:
    from chronus.influxql import parse_query
    from chronus.query.executor import ExecutionOptions, QueryExecutor

    executor = QueryExecutor(_Statements(manager), manager)
    results = executor.execute(parse_query("SHOW QUERIES"), ExecutionOptions())
    assert [task.query for task in manager.running()] == ["SHOW QUERIES"]  # attached before any result
    results.close()  # never started: still detached
    assert manager.running() == []
    dropped = executor.execute(parse_query("SHOW QUERIES"), ExecutionOptions())
    assert len(manager.running()) == 1
    del dropped
    assert manager.running() == []


def test_a_refused_query_answers_and_closes() -> None:
    from chronus.influxql import parse_query
    from chronus.query.executor import ExecutionOptions, QueryExecutor

    manager = QueryManager(max_concurrent_queries=1)
    try:
        executor = QueryExecutor(_Statements(manager), manager)
        running = executor.execute(parse_query("SHOW QUERIES"), ExecutionOptions())
        refused = executor.execute(parse_query("SHOW QUERIES"), ExecutionOptions())
        assert [r.to_json_obj() for r in refused] == [
            {"statement_id": 0, "error": "max-concurrent-queries limit exceeded(1, 1)"}]
        refused.close()
        running.close()
        assert manager.running() == []
    finally:
        manager.close()
