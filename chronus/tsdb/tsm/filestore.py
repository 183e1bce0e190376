"""The TSM files of one shard directory, named ``<generation:09d>-<sequence:09d>.tsm`` as influxd names them.

A cache snapshot becomes a new generation at sequence 1 (influxd's level-1 files); compactions (later) will
write higher sequences of a generation. Files are ordered by (generation, sequence): a later file's point
wins over an earlier one's at the same time. The list of open readers is replaced whole on every change, so
a read works on a consistent set without holding a lock while it decodes.

On open, leftover ``*.tmp`` files (a write that never finished) are removed and a file that cannot be read is
renamed ``<name>.bad`` and skipped, as influxd does.

A compaction's output replaces its inputs with ``replace``: the new files are renamed into place and opened,
the directory fsynced, the reader list swapped in one step, and only then are the old files (then their
tombstones) removed. Reads in flight keep the old readers' mappings (an unlinked file stays readable until
unmapped). A crash in between leaves old and new files side by side: the new ones sort after the old (the
highest generation of the group, a higher sequence), so the newest-file-wins merge of every read counts each
point once, and the planner compacts the leftovers again, as influxd relies on. A ``.tombstone`` whose TSM
file is gone (a crash between the two removals) is removed on open, so it never applies to a later file
that reuses the name.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Iterable

from chronus.tsdb.tsm.block import block_count
from chronus.tsdb.tsm.reader import CorruptTSMError, TSMReader
from chronus.tsdb.tsm.tombstone import TOMBSTONE_EXTENSION
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
        #: when the set of files last changed (a snapshot or a compaction), for the planner
        self._modified = 0.0
        self._first_block_counts: dict[str, int] = {}

    def open(self) -> None:
        os.makedirs(self.path, exist_ok=True)
        names = sorted(os.listdir(self.path))
        for name in names:
            if name.endswith(TMP_EXTENSION):
                with contextlib.suppress(OSError):
                    os.remove(os.path.join(self.path, name))
        tsm_stems = {name[:-len(TSM_EXTENSION)] for name in names if name.endswith(TSM_EXTENSION)}
        for name in names:
            if name.endswith(TOMBSTONE_EXTENSION) and name[:-len(TOMBSTONE_EXTENSION)] not in tsm_stems:
                with contextlib.suppress(OSError):  # its file was compacted away (see the module doc)
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
        self._modified = max((os.path.getmtime(r.path) for r in readers), default=0.0)

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
            self._modified = max(time.time(), self._modified)
        return path

    def delete_range(self, keys: Iterable[bytes], tmin: int, tmax: int) -> None:
        """Remove the points of ``keys`` in ``[tmin, tmax]``: a tombstone entry in each file whose time range
        overlaps them (``tombstone.py``), never a rewrite.

        As influxd's ``FileStore.DeleteRange``, a file left with no key stays on disk with its tombstone until
        a compaction (which tombstones make due) drops both; reads and ``keys()`` already leave it out.
        """
        wanted = sorted(set(keys))
        if not wanted:
            return
        for reader in self._readers:
            fmin, fmax = reader.time_range()
            if tmin <= fmax and tmax >= fmin:
                reader.delete_range(wanted, tmin, tmax)

    # -- compactions ------------------------------------------------------------------------------------

    def last_modified(self) -> float:
        """When the files last changed: a new file, a replace, or a delete (a tombstone's time)."""
        latest = self._modified
        for reader in self._readers:
            with contextlib.suppress(OSError):
                latest = max(latest, os.path.getmtime(reader.tombstone_path))
        return latest

    def file_infos(self) -> list:
        """What the compaction planner needs of each open file, oldest first."""
        from chronus.tsdb.tsm.planner import FileInfo  # the planner imports this module

        infos = []
        for reader in self._readers:
            generation, sequence = parse_file_name(reader.path)
            infos.append(FileInfo(
                reader.path, generation, sequence, reader.size, os.path.getmtime(reader.path),
                reader.has_tombstones(), self._first_block_count(reader)))
        return infos

    def _first_block_count(self, reader: TSMReader) -> int:
        """Points in the file's first block (influxd's ``BlockCount(path, 1)``); cached per file."""
        count = self._first_block_counts.get(reader.path)
        if count is None:
            keys = reader.keys()
            entries = reader.entries(keys[0]) if keys else []
            count = block_count(reader.block(entries[0][2], entries[0][3])) if entries else 0
            self._first_block_counts[reader.path] = count
        return count

    def reader(self, path: str) -> TSMReader | None:
        """The open reader of ``path``."""
        for reader in self._readers:
            if reader.path == path:
                return reader
        return None

    def replace(self, old_paths: Iterable[str], new_paths: Iterable[str]) -> list[str]:
        """Swap the files ``old_paths`` for ``new_paths`` (``.tsm`` or ``.tsm.tmp``; the latter are renamed);
        returns the new files' final paths.

        New files are renamed and opened first (a failure renames them back and changes nothing), the
        directory fsynced, the readers swapped in one step, then the old files and their tombstones removed.
        """
        old = set(old_paths)
        opened: list[TSMReader] = []
        renamed: list[tuple[str, str]] = []
        try:
            for path in new_paths:
                final = path[:-len(TMP_EXTENSION)] if path.endswith(TSM_EXTENSION + TMP_EXTENSION) else path
                if final != path:
                    os.replace(path, final)
                    renamed.append((final, path))
                opened.append(TSMReader(final))
        except BaseException:
            for reader in opened:
                reader.close()
            for final, path in renamed:
                with contextlib.suppress(OSError):
                    os.replace(final, path)
            raise
        fsync_dir(self.path)
        with self._lock:
            removed = [r for r in self._readers if r.path in old]
            kept = [r for r in self._readers if r.path not in old]
            self._readers = tuple(sorted((*kept, *opened), key=lambda r: parse_file_name(r.path)))
            self._modified = max(time.time(), self._modified)
        # Old readers are not closed: a read in flight keeps its mapping until it lets go of the reader.
        for reader in removed:
            self._first_block_counts.pop(reader.path, None)
            with contextlib.suppress(FileNotFoundError):
                os.remove(reader.path)
            with contextlib.suppress(FileNotFoundError):
                os.remove(reader.tombstone_path)
        if removed:
            fsync_dir(self.path)
        return [r.path for r in opened]
