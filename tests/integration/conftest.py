from collections.abc import Iterator

import pytest

from tests.integration.servers import ChronusProcess


@pytest.fixture(scope="module")
def server() -> Iterator[ChronusProcess]:
    """One Chronus server per test module (tests in a module share its data)."""
    with ChronusProcess() as process:
        yield process


@pytest.fixture
def fresh_server() -> Iterator[ChronusProcess]:
    """A server of the test's own, for tests that restart or kill it."""
    with ChronusProcess() as process:
        yield process
