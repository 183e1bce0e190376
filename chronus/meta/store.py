"""The embedded meta store of a single node: the state machine plus its ``meta.db`` on disk.

Every change is a command applied to a copy of the current ``Data``; only when the command succeeds is the
copy numbered (``index + 1``), saved atomically and swapped in. Readers take ``store.data`` without a lock
and may keep it: a published ``Data`` is never changed again. A cluster's meta nodes will run the same
commands through Raft instead of ``apply``.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from pathlib import Path

from chronus.meta import metadb
from chronus.meta.commands import Command
from chronus.meta.data import Data

ChangeListener = Callable[[Data], None]


class LocalMetaStore:
    """``Data`` persisted in ``meta_dir/meta.db``, changed one command at a time."""

    def __init__(self, meta_dir: str | os.PathLike[str]) -> None:
        self.meta_dir = Path(meta_dir)
        self._data = Data()
        self._lock = threading.Lock()
        self._listeners: list[ChangeListener] = []
        self._opened = False

    def open(self) -> None:
        """Load ``meta.db``, or start a new cluster id and write the first file (index 1) as influxd does."""
        self.meta_dir.mkdir(parents=True, exist_ok=True)
        loaded = metadb.load(self.meta_dir)
        if loaded is None:
            # influxd picks a random non-negative int63 as the cluster id of a fresh meta store.
            loaded = Data(index=1, cluster_id=random.SystemRandom().getrandbits(63))
        if loaded.index == 1:
            metadb.save(self.meta_dir, loaded)
        self._data = loaded
        self._opened = True

    def close(self) -> None:
        self._opened = False

    @property
    def data(self) -> Data:
        """The current meta data. Read it, never change it."""
        return self._data

    def apply(self, command: Command) -> bool:
        """Run ``command``; on success commit (index + 1, saved, published) when it changed anything.

        A ``MetaError`` from the command, or a failure to save, leaves the store as it was.
        """
        if not self._opened:
            raise RuntimeError("meta store is not open")
        with self._lock:
            candidate = self._data.clone()
            if not command.apply(candidate):
                return False
            candidate.index += 1
            metadb.save(self.meta_dir, candidate)
            self._data = candidate
            listeners = list(self._listeners)
        for listener in listeners:
            listener(candidate)
        return True

    def add_listener(self, listener: ChangeListener) -> None:
        """Call ``listener(new_data)`` after every commit (services that follow meta changes)."""
        with self._lock:
            self._listeners.append(listener)
