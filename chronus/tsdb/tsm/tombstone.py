"""Tombstone files: the deletes recorded against one TSM file, in influxd 1.6.7's formats.

A delete never rewrites a TSM file. It appends ``(key, min time, max time)`` entries to the file's tombstone,
``000000001-000000001.tombstone`` beside ``000000001-000000001.tsm``, and the reader hides what they cover; a
later compaction drops the points for good and the tombstone with its file. influxd
(``tsdb/engine/tsm1/tombstone.go``) has read four formats over the years:

- v1 (before 0.13): text, one key per line, each deleted over all time;
- v2: header ``0x00001502``, then raw entries: 4-byte big-endian key length, key, 8-byte min, 8-byte max;
- v3: header ``0x00001503``, then the same entries in one gzip stream;
- v4 (1.5 and later, what this module writes): header ``0x00001504``, then one gzip member per delete
  batch, so a new batch is an append and the old members stay as they are.

Writes are crash-safe the way influxd does them: the current file is copied to ``<tombstone>.tmp``, the new
gzip member appended, the copy fsynced and renamed over the old file and the directory fsynced, so a crash
leaves either the old or the new tombstone. A file still in an older format is rewritten whole as v4 (influxd
rewrites such a file as v3 with only the new entries, losing the old ones on disk; both read the result).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib
from collections.abc import Sequence

from chronus.tsdb.tsm.writer import TMP_EXTENSION, fsync_dir
from chronus.tsdb.values import MAX_TIME, MIN_TIME

TOMBSTONE_EXTENSION = ".tombstone"
V2_HEADER = 0x1502
V3_HEADER = 0x1503
V4_HEADER = 0x1504
HEADER_SIZE = 4

#: one deletion: the key (``<series key>#!~#<field>``) and the inclusive time range removed from it.
Tombstone = tuple[bytes, int, int]

_ENTRY_TIMES = struct.Struct(">qq")
_KEY_LENGTH = struct.Struct(">I")


class TombstoneError(ValueError):
    """A tombstone file that cannot be read; the reader refuses its TSM file (``init: read tombstones``)."""


def tombstone_path(tsm_path: str) -> str:
    """The tombstone beside a TSM file: its name with the extension replaced by ``.tombstone``."""
    if tsm_path.endswith("tombstone"):
        return tsm_path
    directory, name = os.path.split(tsm_path)
    stem, dot, _ = name.rpartition(".")
    return os.path.join(directory, (stem if dot else name) + TOMBSTONE_EXTENSION)


def encode_entries(tombstones: Sequence[Tombstone]) -> bytes:
    """The uncompressed v2/v3/v4 entry bytes of ``tombstones``."""
    out = bytearray()
    for key, tmin, tmax in tombstones:
        out += _KEY_LENGTH.pack(len(key))
        out += key
        out += _ENTRY_TIMES.pack(tmin, tmax)
    return bytes(out)


def decode_entries(data: bytes, truncated_ok: bool = False) -> list[Tombstone]:
    """The entries of uncompressed entry bytes.

    ``truncated_ok``: a member that ends inside a key length ends the member (influxd's v3/v4 readers stop
    there without error); a key or a time cut short is always an error.
    """
    out: list[Tombstone] = []
    pos, end = 0, len(data)
    while pos < end:
        if pos + 4 > end:
            if truncated_ok:
                break
            raise TombstoneError("unexpected EOF")
        (length,) = _KEY_LENGTH.unpack_from(data, pos)
        pos += 4
        if pos + length + 16 > end:
            raise TombstoneError("unexpected EOF")
        key = bytes(data[pos:pos + length])
        tmin, tmax = _ENTRY_TIMES.unpack_from(data, pos + length)
        pos += length + 16
        out.append((key, tmin, tmax))
    return out


def _gunzip_members(data: bytes) -> list[bytes]:
    """The decompressed payload of each gzip member of ``data`` (concatenated members, as Go writes them)."""
    members = []
    while data:
        decompressor = zlib.decompressobj(wbits=31)
        try:
            payload = decompressor.decompress(data)
        except zlib.error as err:
            raise TombstoneError(f"gzip: {err}") from None
        if not decompressor.eof:
            raise TombstoneError("unexpected EOF")
        members.append(payload)
        data = decompressor.unused_data
    return members


def parse_tombstones(data: bytes) -> list[Tombstone]:
    """Every entry of a tombstone file's bytes, in file order, whatever its version."""
    if len(data) < HEADER_SIZE:
        header = -1  # influxd reads a file shorter than a header as v1 (an empty file has no entries)
    else:
        (header,) = struct.unpack_from(">I", data, 0)
    if header in (V3_HEADER, V4_HEADER):
        out: list[Tombstone] = []
        for member in _gunzip_members(data[HEADER_SIZE:]):
            out += decode_entries(member, truncated_ok=True)
        return out
    if header == V2_HEADER:
        return decode_entries(data[HEADER_SIZE:])
    return [(line, MIN_TIME, MAX_TIME) for line in data.split(b"\n") if line]


def read_tombstones(path: str) -> list[Tombstone]:
    """The entries of the tombstone file at ``path`` (``[]`` when there is none)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    return parse_tombstones(data)


def file_version(data: bytes) -> int:
    """1 to 4: the format of a tombstone file's bytes."""
    if len(data) >= HEADER_SIZE:
        header = struct.unpack_from(">I", data, 0)[0]
        if header in (V2_HEADER, V3_HEADER, V4_HEADER):
            return header - 0x1500
    return 1


def gzip_member(tombstones: Sequence[Tombstone]) -> bytes:
    """One gzip member holding ``tombstones`` (Go's gzip writer: no name, time 0, default level)."""
    return gzip.compress(encode_entries(tombstones), compresslevel=6, mtime=0)


def encode_v4(tombstones: Sequence[Tombstone]) -> bytes:
    """A whole v4 file holding ``tombstones`` in one member."""
    return struct.pack(">I", V4_HEADER) + gzip_member(tombstones)


def encode_v3(tombstones: Sequence[Tombstone]) -> bytes:
    """A whole v3 file (for tests: influxd 1.6.7 writes v3 only when it finds an older file)."""
    return struct.pack(">I", V3_HEADER) + gzip_member(tombstones)


def encode_v2(tombstones: Sequence[Tombstone]) -> bytes:
    """A whole v2 file (for tests: no current influxd writes it)."""
    return struct.pack(">I", V2_HEADER) + encode_entries(tombstones)


def encode_v1(keys: Sequence[bytes]) -> bytes:
    """A whole v1 file (for tests): the keys, one per line, each deleted over all time."""
    return b"".join(key + b"\n" for key in keys)


def append_tombstones(path: str, tombstones: Sequence[Tombstone]) -> None:
    """Add ``tombstones`` to the tombstone file at ``path`` as one new v4 member, atomically.

    Nothing is written for no entries. An existing v4 file keeps its bytes and gets the member appended; an
    older (or empty) file is rewritten as v4 with its old entries first.
    """
    if not tombstones:
        return
    try:
        with open(path, "rb") as f:
            existing = f.read()
    except FileNotFoundError:
        existing = b""
    if existing and file_version(existing) == 4:
        head = existing
    else:
        old = parse_tombstones(existing) if existing else []
        head = struct.pack(">I", V4_HEADER) + (gzip_member(old) if old else b"")
    write_atomically(path, head + gzip_member(tombstones))


def write_atomically(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` through ``<path>.tmp``: written, fsynced, renamed, directory fsynced."""
    tmp = path + TMP_EXTENSION
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.remove(tmp)
        raise
    os.close(fd)
    os.replace(tmp, path)
    fsync_dir(os.path.dirname(path) or ".")
