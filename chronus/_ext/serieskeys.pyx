# cython: language_level=3
"""Bulk splitting of series keys and ``<series key>#!~#<field>`` keys, for rebuilding the index at start-up.

A restart registers every key of every TSM file and of the cache; splitting them one Python call at a time
(``models.points.split_series_key``) dominated opening a shard. These functions walk a whole list in C and
make only the objects the index keeps. Keys holding a backslash (escapes: rare) are handed to the Python
functions of ``chronus.models.points``, so the results are theirs by construction.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8
from libc.string cimport memchr, memcmp

from chronus.models.points import split_series_key, unescape_measurement

cdef const char* SEPARATOR = b"#!~#"
DEF SEPARATOR_LEN = 4


cdef inline str _text(const char* p, Py_ssize_t n):
    return PyUnicode_DecodeUTF8(p, n, "surrogateescape")


cdef Py_ssize_t _find_separator(const char* p, Py_ssize_t n) noexcept:
    """Offset of the first ``#!~#`` in ``p[:n]`` (``bytes.partition``), or -1."""
    cdef Py_ssize_t i = 0
    cdef const char* hit
    while i + SEPARATOR_LEN <= n:
        hit = <const char*>memchr(p + i, 35, n - i)  # '#'
        if hit == NULL:
            return -1
        i = hit - p
        if i + SEPARATOR_LEN <= n and memcmp(hit, SEPARATOR, SEPARATOR_LEN) == 0:
            return i
        i += 1
    return -1


def split_field_keys(list keys, types):
    """``(series keys, fields)`` of ``<series key>#!~#<field>`` keys with their value type codes.

    ``series keys``: the distinct series keys (bytes), first seen first. ``fields``: the distinct
    ``(measurement, field name, type)`` triples, first seen first, with the measurement unescaped as
    ``Point.Name()`` and both names decoded (UTF-8, surrogate escapes); a key whose type is None adds no
    triple (its series still counts).
    """
    cdef Py_ssize_t n = len(keys), k, size, sep, name_end, i
    cdef const char* p
    cdef bytes key, series_key, raw_name
    series_seen = set()
    series_out = []
    field_seen = set()
    fields_out = []
    names = {}
    for k in range(n):
        key = <bytes>keys[k]
        p = PyBytes_AS_STRING(key)
        size = PyBytes_GET_SIZE(key)
        sep = _find_separator(p, size)
        if sep < 0:
            series_key = key
            field = b""
        else:
            series_key = PyBytes_FromStringAndSize(p, sep)
            field = PyBytes_FromStringAndSize(p + sep + SEPARATOR_LEN, size - sep - SEPARATOR_LEN)
        if series_key not in series_seen:
            series_seen.add(series_key)
            series_out.append(series_key)
        vtype = types[k]
        if vtype is None:
            continue
        size = len(series_key)
        p = PyBytes_AS_STRING(series_key)
        name_end = size
        for i in range(size):
            if p[i] == 44 and (i == 0 or p[i - 1] != 92):  # an unescaped ','
                name_end = i
                break
        raw_name = PyBytes_FromStringAndSize(p, name_end)
        name = names.get(raw_name)
        if name is None:
            unescaped = unescape_measurement(raw_name) if memchr(p, 92, name_end) != NULL else raw_name
            name = names[raw_name] = _text(PyBytes_AS_STRING(unescaped), len(unescaped))
        entry = (name, field, vtype)
        if entry in field_seen:
            continue
        field_seen.add(entry)
        fields_out.append((name, _text(PyBytes_AS_STRING(field), len(field)), vtype))
    return series_out, fields_out


def split_series_keys(list keys):
    """``(name, tags)`` of each series key (bytes), as ``split_series_key`` gives them but decoded: the
    unescaped measurement name and a tuple of ``(tag key, tag value)`` strings, in key order."""
    cdef Py_ssize_t n = len(keys), k, size, start, end, eq
    cdef const char* p
    cdef bytes key
    out = [None] * n
    for k in range(n):
        key = <bytes>keys[k]
        p = PyBytes_AS_STRING(key)
        size = PyBytes_GET_SIZE(key)
        if memchr(p, 92, size) != NULL:  # escapes: the reference implementation
            raw_name, raw_tags = split_series_key(key)
            out[k] = (_text(PyBytes_AS_STRING(raw_name), len(raw_name)),
                      tuple([(_text(PyBytes_AS_STRING(t), len(t)), _text(PyBytes_AS_STRING(v), len(v)))
                             for t, v in raw_tags]))
            continue
        end = 0
        while end < size and p[end] != 44:
            end += 1
        name = _text(p, end)
        tags = []
        while end < size:
            start = end + 1
            end = start
            while end < size and p[end] != 44:
                end += 1
            eq = start
            while eq < end and p[eq] != 61:  # '='
                eq += 1
            if eq < end:
                tags.append((_text(p + start, eq - start), _text(p + eq + 1, end - eq - 1)))
            else:
                tags.append((_text(p + start, end - start), ""))
        out[k] = (name, tuple(tags))
    return out
