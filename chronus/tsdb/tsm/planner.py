"""Which TSM files to compact together: influxd 1.6.7's ``DefaultPlanner`` rules (``tsm1/compact.go``).

Files are grouped into *generations* (the number before the dash). A generation's *level* is the sequence
number of its first file, capped at 4: a cache snapshot writes level 1, compacting level-1 generations writes
level 2, and so on; level 4 is everything compacted further. The planner answers four questions:

- ``plan_level(n)`` for n in 1..3: runs of adjacent generations of level n (a lower-level generation just
  before a higher one joins the higher run), cut into chunks of 8 generations (level 1) or 4 (levels 2, 3);
  a chunk is planned when it is whole or holds a tombstone.
- ``plan()`` (level 4): every file when nothing was written for ``compact-full-write-cold-duration`` (a
  *full* compaction), otherwise groups of 4 level-4 generations, skipping the oldest ones that are already
  full (over 2 GB with full first blocks) or much bigger than the next.
- ``plan_optimize()``: runs of level-4 generations (4 or more, or with a tombstone) into one file each.
- ``fully_compacted()``: one generation and no tombstone.

A file handed out in a plan is *in use* until ``release``; no second plan returns it. ``force_full`` makes the
next ``plan()`` a full compaction and holds back the level planners until then. ``choose_level`` is influxd's
scheduler: which level's queue to start from, given the queue depths and what is running.

The planner knows files only through ``FileInfo`` records, so it is pure and testable without files.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from chronus.tsdb.tsm.filestore import format_file_name, parse_file_name

#: influxd's ``maxTSMFileSize``: a compaction starts a new file past this size, and a generation bigger
#: than this whose first block is full is not worth compacting again
MAX_TSM_FILE_SIZE = 2048 * 1024 * 1024
#: ``tsdb.DefaultMaxPointsPerBlock``: what the "first block is full" test compares with
DEFAULT_MAX_POINTS_PER_BLOCK = 1000
#: the scheduler's weight per level (``defaultWeights``)
LEVEL_WEIGHTS = (0.4, 0.3, 0.2, 0.1)

Group = list[str]


@dataclass(frozen=True)
class FileInfo:
    """What the planner needs of one TSM file (influxd's ``FileStat`` plus the first block's point count)."""

    path: str
    generation: int
    sequence: int
    size: int
    last_modified: float = 0.0
    has_tombstone: bool = False
    #: points in the file's first block (influxd's ``BlockCount(path, 1)``)
    first_block_count: int = 0

    @classmethod
    def named(cls, path: str, size: int, **kwargs: object) -> FileInfo:
        """A record for ``path`` with generation and sequence parsed from its name."""
        generation, sequence = parse_file_name(path)
        return cls(path, generation, sequence, size, **kwargs)  # type: ignore[arg-type]


class _Generation:
    __slots__ = ("files", "id")

    def __init__(self, gen_id: int) -> None:
        self.id = gen_id
        self.files: list[FileInfo] = []

    def size(self) -> int:
        return sum(f.size for f in self.files)

    def level(self) -> int:
        return min(self.files[0].sequence, 4)

    def has_tombstones(self) -> bool:
        return any(f.has_tombstone for f in self.files)

    def full(self) -> bool:
        """Over the max file size with a full first block: compacting it again gains nothing."""
        first_full = self.files[0].first_block_count == DEFAULT_MAX_POINTS_PER_BLOCK
        return self.size() > MAX_TSM_FILE_SIZE and first_full


def _level(gens: Sequence[_Generation]) -> int:
    return max((g.level() for g in gens), default=0)


def _has_tombstones(gens: Sequence[_Generation]) -> bool:
    return any(g.has_tombstones() for g in gens)


def _paths(gens: Iterable[_Generation]) -> Group:
    return [f.path for g in gens for f in g.files]


def _chunks(gens: list[_Generation], size: int) -> list[list[_Generation]]:
    return [gens[i:i + size] for i in range(0, len(gens), size)]


def _level_runs(generations: list[_Generation], skip=None) -> list[list[_Generation]]:
    """Adjacent generations of one level; a generation lower than the next one joins the next one's run."""
    runs: list[list[_Generation]] = []
    current: list[_Generation] = []
    for i, cur in enumerate(generations):
        if skip is not None and skip(cur):
            continue
        if i < len(generations) - 1 and cur.level() < generations[i + 1].level():
            current.append(cur)
            continue
        if not current or _level(current) == cur.level():
            current.append(cur)
            continue
        runs.append(current)
        current = [cur]
    if current:
        runs.append(current)
    return runs


class DefaultPlanner:
    """influxd's ``DefaultPlanner``; thread-safe (the level and full planners run from one loop, releases
    come from the compaction threads)."""

    def __init__(self, compact_full_write_cold_duration_s: float = 4 * 3600.0) -> None:
        self.cold_duration = compact_full_write_cold_duration_s
        self._lock = threading.Lock()
        self._in_use: set[str] = set()
        self._force_full = False
        self._last_plan_check: float | None = None

    # -- helpers ---------------------------------------------------------------------------------------

    def _generations(self, files: Iterable[FileInfo], skip_in_use: bool = True) -> list[_Generation]:
        by_id: dict[int, _Generation] = {}
        with self._lock:
            in_use = set(self._in_use) if skip_in_use else set()
        for f in sorted(files, key=lambda f: (f.generation, f.sequence)):
            if f.path in in_use:
                continue
            gen = by_id.get(f.generation)
            if gen is None:
                gen = by_id[f.generation] = _Generation(f.generation)
            gen.files.append(f)
        return [by_id[k] for k in sorted(by_id)]

    def _acquire(self, groups: list[Group]) -> bool:
        with self._lock:
            if any(path in self._in_use for group in groups for path in group):
                return False
            self._in_use.update(path for group in groups for path in group)
            return True

    def release(self, groups: Iterable[Group]) -> None:
        """The files of ``groups`` may be planned again (their compaction ended or never started)."""
        with self._lock:
            for group in groups:
                self._in_use.difference_update(group)

    def force_full(self) -> None:
        with self._lock:
            self._force_full = True

    def fully_compacted(self, files: Iterable[FileInfo]) -> bool:
        gens = self._generations(files, skip_in_use=False)
        return len(gens) <= 1 and not _has_tombstones(gens)

    def in_use(self) -> set[str]:
        with self._lock:
            return set(self._in_use)

    # -- levels 1..3 -----------------------------------------------------------------------------------

    def plan_level(self, files: Iterable[FileInfo], level: int) -> list[Group]:
        """Groups of generations of ``level`` (1..3) to compact into the next level."""
        with self._lock:
            if self._force_full:
                return []
        generations = self._generations(files)
        if len(generations) <= 1 and not _has_tombstones(generations):
            return []
        min_generations = 8 if level == 1 else 4
        groups: list[Group] = []
        for run in _level_runs(generations):
            if _level(run) != level:
                continue
            for chunk in _chunks(run, min_generations):
                if len(chunk) < min_generations and not _has_tombstones(chunk):
                    continue
                groups.append(_paths(chunk))
        return groups if self._acquire(groups) else []

    # -- optimize --------------------------------------------------------------------------------------

    def plan_optimize(self, files: Iterable[FileInfo]) -> list[Group]:
        """Runs of level-4 generations rewritten into as few files as possible."""
        with self._lock:
            if self._force_full:
                return []
        generations = self._generations(files)
        if len(generations) <= 1 and not _has_tombstones(generations):
            return []

        def skip(gen: _Generation) -> bool:
            return len(gen.files) > 2 and gen.full() and not gen.has_tombstones()

        groups = [
            _paths(run) for run in _level_runs(generations, skip)
            if _level(run) == 4 and (len(run) >= 4 or _has_tombstones(run))
        ]
        return groups if self._acquire(groups) else []

    # -- level 4 / full --------------------------------------------------------------------------------

    def plan(
        self,
        files: Iterable[FileInfo],
        last_write: float,
        *,
        store_modified: float | None = None,
        now: float | None = None,
    ) -> list[Group]:
        """Level-4 groups; every file at once when nothing was written for the cold duration.

        ``last_write`` is the file store's last change (influxd passes ``FileStore.LastModified()``);
        ``store_modified`` (default: the same) says whether anything changed since the previous plan.
        """
        now = time.time() if now is None else now
        store_modified = last_write if store_modified is None else store_modified
        generations = self._generations(files)
        with self._lock:
            force_full = self._force_full
        cold = self.cold_duration > 0 and now - last_write > self.cold_duration and len(generations) > 1
        if force_full or cold:
            return self._plan_full(generations, force_full)

        with self._lock:
            if (self._last_plan_check is not None and self._last_plan_check > store_modified
                    and not _has_tombstones(generations)):
                return []
            self._last_plan_check = now
        if len(generations) <= 1 and not _has_tombstones(generations):
            return []

        # The level-4 generations are the oldest: they end where the first lower level starts.
        end = 0
        for i, gen in enumerate(generations):
            if gen.level() <= 3:
                break
            end = i + 1
        # Skip the oldest generations that are already full, or much bigger than the next one.
        start = 0
        tombstones = False
        for i, gen in enumerate(generations[:end]):
            tombstones = tombstones or gen.has_tombstones()
            if tombstones:
                continue
            if gen.full():
                start = i + 1
            if i > 0 and gen.size() * 2 < generations[i - 1].size():
                start = i
                break
        step = min(4, end)
        candidates = generations[start:end]
        runs: list[list[_Generation]] = []
        for i in range(0, len(candidates), step or 1):
            first = i
            lower = False
            for j in range(i, min(i + step, len(candidates))):
                gen = candidates[j]
                if gen.level() <= 3:
                    lower = True
                    break
                if (gen.size() >= MAX_TSM_FILE_SIZE
                        and gen.files[0].first_block_count == DEFAULT_MAX_POINTS_PER_BLOCK
                        and not gen.has_tombstones()):
                    first += 1
            if lower:
                continue
            last = min(i + step, len(candidates))
            if last - first > 0:
                runs.append(candidates[first:last])
        groups = [sorted(_paths(run)) for run in runs if len(run) >= 4 or _has_tombstones(run)]
        if not groups:
            return []
        return groups if self._acquire(groups) else []

    def _plan_full(self, generations: list[_Generation], force_full: bool) -> list[Group]:
        if force_full:
            with self._lock:
                self._force_full = False
        paths: list[str] = []
        count = 0
        for i, gen in enumerate(generations):
            skip = len(generations) > 2 and gen.full() and not gen.has_tombstones()
            # A younger low-level generation would never be picked up alone: keep this one with it.
            if i < len(generations) - 1 and generations[i + 1].level() <= 3:
                skip = False
            if skip:
                continue
            paths.extend(f.path for f in gen.files)
            count += 1
        paths.sort()
        if len(paths) <= 1 or count <= 1:
            return []
        return [paths] if self._acquire([paths]) else []


def output_name(group: Sequence[str]) -> tuple[int, int]:
    """``(generation, first sequence)`` of a compaction's output: the group's highest generation, one past
    that generation's highest sequence in the group (influxd's ``Compactor.compact``)."""
    best = (-1, -1)
    for path in group:
        best = max(best, parse_file_name(path))
    return best[0], best[1] + 1


def output_file_name(group: Sequence[str], index: int = 0) -> str:
    """The name of the ``index``-th output file of compacting ``group`` (a rollover: the next sequence)."""
    generation, sequence = output_name(group)
    return format_file_name(generation, sequence + index)


def choose_level(depths: Sequence[int], running: Sequence[int], max_concurrency: int) -> int | None:
    """influxd's compaction scheduler: the level (1..4) whose queue to start from, or None.

    ``depths`` are the planned groups per level, ``running`` the compactions running per level (level 4
    counts full and optimize). Nothing starts once ``max_concurrency`` run; levels 3 and 4 wait when the
    low-priority share is taken and no high-priority slot is left. The level with the largest
    depth * weight wins, the lower level on a tie.
    """
    total = sum(running)
    if total >= max_concurrency:
        return None
    lo_limit = max(max_concurrency // 5 + 1, 1)
    end = 4
    if running[2] + running[3] >= lo_limit and max_concurrency - (running[0] + running[1]) == 0:
        end = 2
    best, weight = None, 0.0
    for i in range(end):
        w = depths[i] * LEVEL_WEIGHTS[i]
        if w > weight:
            best, weight = i + 1, w
    return best
