"""The TSM files of one shard directory, named ``<generation:09d>-<sequence:09d>.tsm`` as influxd names them.

A cache snapshot becomes a new generation at sequence 1 (influxd's level-1 files); compactions (later) will
write higher sequences of a generation. Files are ordered by (generation, sequence): a later file's point
wins over an earlier one's at the same time. The list of open readers is replaced whole on every change, so
a read works on a consistent set without holding a lock while it decodes.

On open, leftover ``*.tmp`` files (a write that never finished) are removed and a file that cannot be read is
renamed ``<name>.bad`` and skipped, as influxd does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterable

from chronus.tsdb.tsm.reader import CorruptTSMError, TSMReader
from chronus.tsdb.tsm.writer import TMP_EXTENSION, fsync_dir, write_tsm_file
from chronus.tsdb.values import MAX_TIME, MIN_TIME, Values, ValueType

log = logging.getLogger(__name__)

TSM_EXTENSION = ".tsm"
BAD_EXTENSION = ".bad"
_NAME = re.compile(r"^(\d+)-(\d+)$")


class FileNameError(ValueError):
    """A ``.tsm`` file whose name is not ``<generation>-<sequence>``; influxd refuses to open the shard."""


def parse_file_name(path: str) -> tuple[int, int]:
    """``(generation, sequence)`` of a TSM file name (``000000002-000000001.tsm`` -> ``(2, 1)``)."""
    base = os.path.basename(path)
    match = _NAME.match(base.split(".", 1)[0]) if "." in base else None
    if match is None or int(match.group(1)) >= 1 << 32 or int(match.group(2)) >= 1 << 32:
        raise FileNameError(f"file {path} is named incorrectly")
    return int(match.group(1)), int(match.group(2))


def format_file_name(generation: int, sequence: int) -> str:
    return f"{generation:09d}-{sequence:09d}{TSM_EXTENSION}"


class FileStore:
    """The readers of a shard's TSM files, oldest first, and the next generation number."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._readers: tuple[TSMReader, ...] = ()
        self._next_generation = 1
        self._lock = threading.Lock()  # guards changes to the reader list and the generation counter

    def open(self) -> None:
        os.makedirs(self.path, exist_ok=True)
        names = sorted(os.listdir(self.path))
        for name in names:
            if name.endswith(TMP_EXTENSION):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.path, name))
        found = []
        for name in names:
            if not name.endswith(TSM_EXTENSION):
                continue
            full = os.path.join(self.path, name)
            generation, sequence = parse_file_name(full)
            self._next_generation = max(self._next_generation, generation + 1)
            found.append(((generation, sequence), full))
        readers = []
        for _, full in sorted(found):
            try:
                readers.append(TSMReader(full))
            except CorruptTSMError as err:
                log.error("Cannot read corrupt tsm file, renaming", extra={"path": full, "error": str(err)})
                os.replace(full, full + BAD_EXTENSION)
        self._readers = tuple(readers)

    def close(self) -> None:
        with self._lock:
            readers, self._readers = self._readers, ()
        for reader in readers:
            reader.close()

    # -- contents ---------------------------------------------------------------------------------------

    def files(self) -> list[str]:
        """Paths of the open files, oldest first."""
        return [r.path for r in self._readers]

    def readers(self) -> tuple[TSMReader, ...]:
        return self._readers

    def key_types(self) -> dict[bytes, ValueType]:
        """Every key of every file with its type (the newest file's, where files disagree)."""
        out: dict[bytes, ValueType] = {}
        for reader in self._readers:
            out.update(reader.key_types())
        return out

    def keys(self) -> set[bytes]:
        return {key for reader in self._readers for key in reader.keys()}  # noqa: SIM118 - not a dict

    def read(self, key: bytes, tmin: int = MIN_TIME, tmax: int = MAX_TIME) -> list[Values]:
        """The points of ``key`` in ``[tmin, tmax]`` per file that holds any, oldest file first."""
        out = []
        for reader in self._readers:
            values = reader.read(key, tmin, tmax)
            if values is not None:
                out.append(values)
        return out

    # -- changes ----------------------------------------------------------------------------------------

    def next_generation(self) -> int:
        """Reserve a new generation number (each snapshot takes one)."""
        with self._lock:
            generation = self._next_generation
            self._next_generation += 1
            return generation

    def write_snapshot(self, items: Iterable[tuple[bytes, Values]]) -> str | None:
        """Write ``items`` (sorted keys) as a new generation's first file and start reading it.

        Returns the path, or None when there was nothing to write.
        """
        items = [(key, values) for key, values in items if len(values)]
        if not items:
            return None
        path = os.path.join(self.path, format_file_name(self.next_generation(), 1))
        write_tsm_file(path, items)
        reader = TSMReader(path)
        with self._lock:
            self._readers = (*self._readers, reader)
        return path

    def delete_range(self, keys: Iterable[bytes], tmin: int, tmax: int) -> None:
        """Remove the points of ``keys`` in ``[tmin, tmax]`` by rewriting each file that holds any.

        The rewrite keeps the file's name (and so its place in the order); it is written aside and renamed
        over the old file. Readers of the old file keep their mapping until they finish.
        """
        wanted = set(keys)
        for reader in self._readers:
            hit = [key for key in reader.keys() if key in wanted]  # noqa: SIM118 - not a dict
            if not any(reader.read(key, tmin, tmax) is not None for key in hit):
                continue
            kept = []
            for key, values in reader.items():
                if key in wanted:
                    values = values.exclude(tmin, tmax)
                if len(values):
                    kept.append((key, values))
            self._replace(reader, kept)

    def _replace(self, old: TSMReader, items: list[tuple[bytes, Values]]) -> None:
        if items:
            write_tsm_file(old.path, items)
            new: tuple[TSMReader, ...] = (TSMReader(old.path),)
        else:
            os.remove(old.path)
            fsync_dir(self.path)
            new = ()
        with self._lock:
            self._readers = tuple(
                r for current in self._readers for r in (new if current is old else (current,)))
