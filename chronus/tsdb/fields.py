"""Field names and types per measurement of one shard, and the write-time checks influxd 1.6.7 makes on them.

Each shard keeps its own field set (``fields.idx``), so a field may be ``integer`` in one shard group and
``float`` in the next; ``SHOW FIELD KEYS`` then lists both. One write attempt on a shard
(``Shard.validateSeriesAndFields`` + ``createFieldsAndMeasurements``) works like this:

1. points with a tag called ``time`` are dropped (``invalid tag key: ...``);
2. each remaining point is checked against the field types stored *before* the batch; a point whose only
   fields are called ``time`` is dropped (``invalid field name: ...``), and a point with a field stored under
   another type is dropped with the first such field's reason (``field type conflict: input field "f" on
   measurement "m" is type float, already exists as type integer``); no field of a dropped point is created;
3. the new fields of the kept points are created in order; when the same new field arrives with two types
   the creation stops at the second one with the plain error ``field type conflict`` and nothing of the
   batch is written -- but the fields created before it stay.

influxd's points writer retries a shard write once when it fails with anything but a partial write, so the
second attempt sees the fields created by the first: ``m a=1i`` + ``m a=1.5`` in one new batch ends as a
partial write dropping the float point, and a batch with two such in-batch conflicts fails both attempts
with ``field type conflict``. That retry belongs to the points writer; this module models one attempt.

The batch check is vectorised over field rows (numpy), so its cost does not grow with Python work per point.

The set persists as influxd 1.6.7's ``<shard dir>/fields.idx`` (``tsdb/shard.go`` ``MeasurementFieldSet``):
the magic bytes ``00 06 01 03`` and then the protobuf ``tsdb.MeasurementFieldSet`` of
``tsdb/internal/meta.proto`` (measurements: name + fields: name and InfluxQL data type, float 1, integer 2,
string 3, boolean 4, unsigned 9). It is saved whole after every change (written to ``fields.idx.tmp``,
fsynced, renamed, the directory fsynced), removed when the set is empty, and loaded when the shard opens, so
the fields of deleted points outlive a restart, as in influxd. Either server opens the other's file.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass, field

import numpy as np

from chronus.meta.protowire import DecodeError, MessageWriter, as_int32, iter_fields
from chronus.tsdb.values import ValueType

FIELD_TYPE_CONFLICT = "field type conflict"

FIELDS_INDEX_FILE = "fields.idx"
FIELDS_INDEX_MAGIC = b"\x00\x06\x01\x03"
UNKNOWN_FIELDS_FORMAT = "unknown field index format"


# A field's type is the value type of its points: one enumeration for the WAL, the cache and the fields.
FieldType = ValueType


#: a field's type as fields.idx stores it: influxql.DataType, not the value type byte.
_INFLUXQL_TYPES = {
    ValueType.FLOAT: 1,
    ValueType.INTEGER: 2,
    ValueType.STRING: 3,
    ValueType.BOOLEAN: 4,
    ValueType.UNSIGNED: 9,
}
_FIELD_TYPES = {code: vtype for vtype, code in _INFLUXQL_TYPES.items()}


class FieldsIndexError(ValueError):
    """fields.idx could not be saved (a name that is not UTF-8) or read; the text is influxd's."""


class FieldTypeConflictError(Exception):
    """A new field arrived twice in one batch with different types: the whole shard write fails.

    ``created`` lists the fields made before the failing one (they stay, as in influxd).
    """

    def __init__(self, created: list[tuple[str, str, FieldType]] | None = None) -> None:
        super().__init__(FIELD_TYPE_CONFLICT)
        self.created = created or []


@dataclass
class PartialWriteError(Exception):
    """Some points of a write were dropped; ``str()`` is influxd's ``partial write: <reason> dropped=<n>``."""

    reason: str
    dropped: int

    def __str__(self) -> str:
        return f"partial write: {self.reason} dropped={self.dropped}"


def _is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def conflict_reason(field_name: str, measurement: str, given: FieldType, stored: FieldType) -> str:
    """The reason text of a point dropped for a field stored under another type."""
    return (
        f'{FIELD_TYPE_CONFLICT}: input field "{field_name}" on measurement "{measurement}" is type '
        f"{given.type_name}, already exists as type {stored.type_name}"
    )


def time_tag_reason(measurement: str) -> str:
    return f'invalid tag key: input tag "time" on measurement "{measurement}" is invalid'


def time_field_reason(measurement: str) -> str:
    return f'invalid field name: input field "time" on measurement "{measurement}" is invalid'


@dataclass
class FieldBatch:
    """The field rows of a batch of points bound for one shard, in body order.

    ``point_measurement[p]`` indexes ``measurement_names`` (the point's unescaped name); field row ``r``
    belongs to point ``row_point[r]`` (rows of a point are contiguous and in written order), names field
    ``field_names[row_field[r]]`` (unescaped) and has type ``row_type[r]`` (``FieldType``; 0 = no value).
    """

    measurement_names: list[str]
    field_names: list[str]
    point_measurement: np.ndarray
    row_point: np.ndarray
    row_field: np.ndarray
    row_type: np.ndarray
    point_has_time_tag: np.ndarray | None = None


@dataclass
class ValidationResult:
    """Which points of the batch may be written, and the partial-write error for the others."""

    keep: np.ndarray
    dropped: int = 0
    reason: str = ""
    created: list[tuple[str, str, FieldType]] = field(default_factory=list)

    @property
    def error(self) -> PartialWriteError | None:
        return PartialWriteError(self.reason, self.dropped) if self.dropped else None


class MeasurementFieldSet:
    """Field name -> type for every measurement of one shard; ``path`` is its fields.idx (None: in memory)."""

    def __init__(self, path: str | None = None) -> None:
        self._fields: dict[str, dict[str, FieldType]] = {}
        self.path = path

    def fields(self, measurement: str) -> dict[str, FieldType]:
        """The fields of ``measurement`` (empty when it has none); do not modify the returned dict."""
        return self._fields.get(measurement, {})

    def field_type(self, measurement: str, name: str) -> FieldType | None:
        return self._fields.get(measurement, {}).get(name)

    def has_measurement(self, measurement: str) -> bool:
        return bool(self._fields.get(measurement))

    def measurement_names(self) -> list[str]:
        return sorted(name for name, fields in self._fields.items() if fields)

    def field_keys(self, measurement: str) -> list[tuple[str, FieldType]]:
        """``(name, type)`` sorted by name, as the field-keys iterator emits them."""
        fields = self._fields.get(measurement, {})
        return [(name, fields[name]) for name in sorted(fields)]

    def create(self, measurement: str, name: str, field_type: FieldType) -> bool:
        """Add a field; False if it already exists with this type; ``FieldTypeConflictError`` if another."""
        fields = self._fields.setdefault(measurement, {})
        stored = fields.get(name)
        if stored is None:
            fields[name] = FieldType(field_type)
            return True
        if stored != field_type:
            raise FieldTypeConflictError()
        return False

    def save_error(self) -> str | None:
        """What saving the set as influxd's ``fields.idx`` protobuf would refuse: a name that is not UTF-8.

        influxd saves the whole set after every change, so one such name fails every later save of the shard.
        Names hold invalid bytes as surrogate escapes; a measurement's name is checked before its fields.
        """
        for measurement, fields in self._fields.items():
            if not _is_utf8(measurement):
                return 'proto: field "tsdb.MeasurementFields.Name" contains invalid UTF-8'
            for name in fields:
                if not _is_utf8(name):
                    return 'proto: field "tsdb.Field.Name" contains invalid UTF-8'
        return None

    def delete_measurement(self, measurement: str) -> None:
        self._fields.pop(measurement, None)

    # -- fields.idx ---------------------------------------------------------------------------------------

    def encode(self) -> bytes:
        """The fields.idx bytes of the set: magic, then the ``MeasurementFieldSet`` protobuf."""
        error = self.save_error()
        if error is not None:
            raise FieldsIndexError(error)
        message = MessageWriter()
        for measurement, fields in self._fields.items():
            entry = MessageWriter()
            if measurement:
                entry.string(1, measurement)
            for name, kind in fields.items():
                one = MessageWriter()
                if name:
                    one.string(1, name)
                one.varint(2, _INFLUXQL_TYPES[FieldType(kind)])
                entry.bytes(2, one.getvalue())
            message.bytes(1, entry.getvalue())
        return FIELDS_INDEX_MAGIC + message.getvalue()

    @classmethod
    def decode(cls, data: bytes, path: str | None = None) -> MeasurementFieldSet:
        """The set a fields.idx holds. A field whose type is none of the five value types is skipped (no
        point can have it); bad bytes raise ``FieldsIndexError``."""
        if not data:
            raise FieldsIndexError("EOF")  # Go's read of the magic from an empty file
        if data[:4] != FIELDS_INDEX_MAGIC:
            raise FieldsIndexError(UNKNOWN_FIELDS_FORMAT)
        out = cls(path)
        try:
            for number, _, value in iter_fields(data[4:]):
                if number != 1 or not isinstance(value, bytes):
                    continue
                measurement = ""
                fields: dict[str, FieldType] = {}
                for m_number, _, m_value in iter_fields(value):
                    if m_number == 1 and isinstance(m_value, bytes):
                        measurement = m_value.decode("utf-8", "surrogateescape")
                    elif m_number == 2 and isinstance(m_value, bytes):
                        name, code = "", 0
                        for f_number, _, f_value in iter_fields(m_value):
                            if f_number == 1 and isinstance(f_value, bytes):
                                name = f_value.decode("utf-8", "surrogateescape")
                            elif f_number == 2 and isinstance(f_value, int):
                                code = as_int32(f_value)
                        if code in _FIELD_TYPES:
                            fields[name] = _FIELD_TYPES[code]
                out._fields[measurement] = fields  # a repeated name: the last one wins, as Go's map
        except DecodeError as err:
            raise FieldsIndexError(f"proto: {err}") from None
        return out

    def save(self) -> None:
        """Write the set to ``path`` as influxd does: through ``fields.idx.tmp`` (fsynced, renamed, the
        directory fsynced); an empty set removes the file. Raises ``FieldsIndexError`` for a name that is
        not UTF-8, leaving the old file."""
        if self.path is None:
            return
        if not self._fields:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.path)
            return
        data = self.encode()
        tmp = self.path + ".tmp"
        try:
            with open(tmp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(tmp)
            raise
        directory = os.open(os.path.dirname(self.path) or ".", os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)

    @classmethod
    def load(cls, path: str) -> MeasurementFieldSet:
        """The set saved at ``path`` (empty when there is none). An unreadable file raises
        ``FieldsIndexError``; influxd then logs it and rebuilds the set from the shard's data."""
        try:
            with open(path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return cls(path)
        return cls.decode(data, path)

    def validate_and_create(self, batch: FieldBatch) -> ValidationResult:
        """One shard write attempt's field checks (see the module docstring); creates the new fields.

        Raises ``FieldTypeConflictError`` when a new field comes with two types (after creating the new
        fields that precede the failing one, as influxd does).
        """
        n_points = len(batch.point_measurement)
        keep = np.ones(n_points, dtype=bool)
        dropped = 0
        reason = ""
        if batch.point_has_time_tag is not None and batch.point_has_time_tag.any():
            bad = np.asarray(batch.point_has_time_tag, dtype=bool)
            first = int(np.argmax(bad))
            reason = time_tag_reason(batch.measurement_names[batch.point_measurement[first]])
            dropped += int(bad.sum())
            keep &= ~bad

        row_point = np.asarray(batch.row_point, dtype=np.int64)
        row_field = np.asarray(batch.row_field, dtype=np.int64)
        row_type = np.asarray(batch.row_type, dtype=np.int64)
        row_measurement = np.asarray(batch.point_measurement, dtype=np.int64)[row_point]
        live = keep[row_point]
        time_ids = [i for i, name in enumerate(batch.field_names) if name == "time"]
        is_time = np.isin(row_field, time_ids) if time_ids else np.zeros(len(row_field), dtype=bool)

        # Points whose every field is called "time" have nothing to write.
        real_rows = np.bincount(row_point[~is_time], minlength=n_points)
        no_field = keep & (real_rows == 0)

        # Stored type of every distinct (measurement, field) pair of the batch, looked up once per pair.
        n_fields = max(len(batch.field_names), 1)
        pair = row_measurement * n_fields + row_field
        pairs, pair_of_row = np.unique(pair, return_inverse=True)
        stored = np.zeros(len(pairs), dtype=np.int64)
        for i, code in enumerate(pairs.tolist()):
            measurement, name = batch.measurement_names[code // n_fields], batch.field_names[code % n_fields]
            found = self.field_type(measurement, name)
            stored[i] = 0 if found is None else int(found)
        row_stored = stored[pair_of_row]
        typed = (row_type != 0) & ~is_time
        conflict = live & typed & (row_stored != 0) & (row_stored != row_type)
        conflict_point = np.zeros(n_points, dtype=bool)
        conflict_point[row_point[conflict]] = True
        conflict_point &= ~no_field

        field_pass_bad = no_field | conflict_point
        if field_pass_bad.any():
            dropped += int(field_pass_bad.sum())
            if not reason:
                first = int(np.argmax(field_pass_bad))
                name = batch.measurement_names[batch.point_measurement[first]]
                if no_field[first]:
                    reason = time_field_reason(name)
                else:
                    row = int(np.flatnonzero(conflict & (row_point == first))[0])
                    reason = conflict_reason(
                        batch.field_names[row_field[row]],
                        name,
                        FieldType(int(row_type[row])),
                        FieldType(int(row_stored[row])),
                    )
            keep &= ~field_pass_bad

        created = self._create_new_fields(
            batch,
            keep[row_point] & typed & (row_stored == 0),
            pair_of_row,
            row_measurement,
            row_field,
            row_type,
        )
        return ValidationResult(keep=keep, dropped=dropped, reason=reason, created=created)

    def _create_new_fields(
        self,
        batch: FieldBatch,
        new_rows: np.ndarray,
        pair_of_row: np.ndarray,
        row_measurement: np.ndarray,
        row_field: np.ndarray,
        row_type: np.ndarray,
    ) -> list[tuple[str, str, FieldType]]:
        """Create the fields of ``new_rows`` in row order; stop with a conflict where a pair changes type."""
        rows = np.flatnonzero(new_rows)
        if len(rows) == 0:
            return []
        pairs_here, first_at = np.unique(pair_of_row[rows], return_index=True)
        first_type = np.zeros(int(pair_of_row.max()) + 1, dtype=np.int64)
        first_type[pairs_here] = row_type[rows[first_at]]
        mismatch = row_type[rows] != first_type[pair_of_row[rows]]
        stop = int(np.argmax(mismatch)) if mismatch.any() else len(rows)
        created: list[tuple[str, str, FieldType]] = []
        for position in sorted(int(i) for i in first_at if i < stop):
            row = int(rows[position])
            measurement = batch.measurement_names[int(row_measurement[row])]
            name = batch.field_names[int(row_field[row])]
            kind = FieldType(int(row_type[row]))
            self.create(measurement, name, kind)
            created.append((measurement, name, kind))
        if stop < len(rows):
            raise FieldTypeConflictError(created)
        return created
