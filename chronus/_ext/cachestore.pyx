# cython: language_level=3
"""The storage of the cache: per key, times and values in typed arrays with room to grow at the end.

A write request appends to thousands of keys at once (one per series field), so appending is one call per
request: ``append_groups`` takes a batch's grouped columns (``chronus.models.points.GroupedValues``), finds
or creates each key's ``KeyBuffer`` (a dict look-up per key, the only per-key Python work), makes room,
and copies every value without the GIL. Values of a fixed-size type never become Python objects.

Reads hand out views of the first ``n`` entries: later appends only write past them and a buffer that must
grow is copied into a new one, so an array once handed out never changes. Sorting and de-duplication
replace the arrays with new ones for the same reason. The semantics around it (types, sizes, snapshots)
are ``chronus.tsdb.cache``'s.
"""

import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_FromStringAndSize
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.string cimport memcpy

from chronus.tsdb.values import Values, ValueType, dedup_index, time_bounds

cnp.import_array()

cdef enum:
    T_FLOAT = 1
    T_INTEGER = 2
    T_BOOLEAN = 3
    T_STRING = 4
    T_UNSIGNED = 5

cdef object _trusted = Values.trusted
cdef dict _VALUE_TYPES = {int(t): t for t in ValueType}
cdef dict _NUMPY_TYPES = {T_FLOAT: cnp.NPY_FLOAT64, T_INTEGER: cnp.NPY_INT64, T_UNSIGNED: cnp.NPY_UINT64,
                          T_BOOLEAN: cnp.NPY_BOOL}


cdef inline cnp.ndarray _new_array(Py_ssize_t count, int npy_type):
    cdef cnp.npy_intp dims[1]
    dims[0] = count
    return cnp.PyArray_EMPTY(1, dims, npy_type, 0)


cdef dict _EMPTY = {code: _new_array(0, npy_type) for code, npy_type in _NUMPY_TYPES.items()}


cdef class KeyBuffer:
    """The points of one key in write order, until read: then sorted and de-duplicated in place of them.

    ``ordered`` says the stored times strictly increase (nothing to sort); ``nbytes`` is InfluxDB's size
    of what is stored.
    """

    cdef readonly object vtype
    cdef readonly int code
    cdef cnp.ndarray _times       # capacity-sized; the first n entries are the points
    cdef cnp.ndarray _values      # capacity-sized, None for strings
    cdef list _strings            # the string values (exactly n)
    cdef readonly Py_ssize_t n
    cdef readonly bint ordered
    cdef public Py_ssize_t nbytes
    cdef Py_ssize_t _pending      # values reserved by the append in progress

    def __cinit__(self, vtype):
        self.code = int(vtype)
        if self.code not in _VALUE_TYPES:
            raise ValueError(f"unsupported value type: {self.code}")
        self.vtype = _VALUE_TYPES[self.code]
        self.n = 0
        self.ordered = True
        self.nbytes = 0
        self._pending = 0
        # Shared empty arrays (nothing is ever written into them): the first append allocates.
        self._times = _EMPTY[T_INTEGER]
        if self.code == T_STRING:
            self._values = None
            self._strings = []
        else:
            self._values = _EMPTY[self.code]
            self._strings = None

    def __len__(self):
        return self.n

    cdef int _reserve(self, Py_ssize_t count) except -1:
        """Room for ``count`` values after the stored and pending ones (a copy when it must grow)."""
        cdef Py_ssize_t used = self.n + self._pending, cap = cnp.PyArray_DIM(self._times, 0)
        cdef cnp.ndarray grown
        if used + count <= cap:
            return 0
        cap = max(used + count, 2 * cap, 4)
        grown = _new_array(cap, cnp.NPY_INT64)
        memcpy(cnp.PyArray_DATA(grown), cnp.PyArray_DATA(self._times), used * 8)
        self._times = grown
        if self._values is not None:
            grown = _new_array(cap, cnp.PyArray_TYPE(self._values))
            memcpy(cnp.PyArray_DATA(grown), cnp.PyArray_DATA(self._values), used * cnp.PyArray_ITEMSIZE(grown))
            self._values = grown
        return 0

    def append(self, vals, Py_ssize_t nbytes):
        """Append a ``Values`` of this buffer's type (the cache checked the type)."""
        cdef Py_ssize_t count = len(vals.times), i
        cdef cnp.ndarray times = np.ascontiguousarray(vals.times, dtype=np.int64)
        cdef cnp.ndarray values
        cdef const int64_t* src
        cdef int64_t* dst
        if count == 0:
            return
        self._reserve(count)
        src = <const int64_t*>cnp.PyArray_DATA(times)
        dst = <int64_t*>cnp.PyArray_DATA(self._times) + self.n
        if self.ordered:
            if self.n > 0 and src[0] <= dst[-1]:
                self.ordered = False
            else:
                for i in range(1, count):
                    if src[i] <= src[i - 1]:
                        self.ordered = False
                        break
        memcpy(dst, src, count * 8)
        if self.code == T_STRING:
            self._strings.extend(vals.values)
        else:
            values = np.ascontiguousarray(vals.values, dtype=self._values.dtype)
            memcpy(<uint8_t*>cnp.PyArray_DATA(self._values) + self.n * cnp.PyArray_ITEMSIZE(values),
                   cnp.PyArray_DATA(values), count * cnp.PyArray_ITEMSIZE(values))
        self.n += count
        self.nbytes += nbytes

    def view(self):
        """The stored points as they are (not de-duplicated); later writes never change these arrays."""
        if self.code == T_STRING:
            return _trusted(self.vtype, self._times[:self.n], self._strings[:])
        return _trusted(self.vtype, self._times[:self.n], self._values[:self.n])

    def replace(self, vals):
        """Hold exactly ``vals`` (sorted and de-duplicated): a later append copies them into new arrays."""
        self._times = np.ascontiguousarray(vals.times, dtype=np.int64)
        if self.code == T_STRING:
            self._strings = list(vals.values)
        else:
            self._values = np.ascontiguousarray(vals.values, dtype=self._values.dtype)
        self.n = cnp.PyArray_DIM(self._times, 0)
        self.nbytes = vals.size()
        self.ordered = True

    def deduplicate(self):
        """Sort by time and drop overwritten points (into new arrays: views handed out stay as they were)."""
        if not self.ordered:
            vals = self.view()
            self.replace(vals.take(dedup_index(vals.times)))

    def exclude(self, int64_t tmin, int64_t tmax):
        """Drop the points with ``tmin <= time <= tmax``."""
        self.deduplicate()
        lo, hi = time_bounds(self._times[:self.n], tmin, tmax)
        if lo < hi:
            self.replace(self.view().exclude(tmin, tmax))


cdef struct Target:
    int code
    bint skip
    bint ordered          # out: the group's times strictly increase, also after what was stored before
    Py_ssize_t offset     # where the group goes in its buffer
    int64_t* times        # the buffer's times (values at [offset, offset + count))
    uint8_t* values       # the buffer's values, NULL for strings


def append_groups(dict store, const uint8_t[::1] keys not None, const int64_t[::1] key_offsets not None,
                  const uint8_t[::1] types not None, const int64_t[::1] starts not None,
                  const int64_t[::1] times not None, const uint64_t[::1] bits not None,
                  const int64_t[::1] rows not None, bytes string_data not None,
                  const int64_t[::1] string_offsets not None, const int64_t[::1] sizes not None):
    """Append every group to the ``KeyBuffer`` of its key in ``store`` (created when missing).

    A group whose key holds another type is skipped. Returns ``(new_key_bytes, skipped_bytes,
    conflicts)``: the key bytes of the keys created, the ``sizes`` of the skipped groups, and
    ``(key, input type, stored type)`` per skipped group.
    """
    cdef Py_ssize_t ngroups = types.shape[0], nvalues = times.shape[0], g, j, lo, hi, count, klen
    cdef Py_ssize_t new_key_bytes = 0, skipped_bytes = 0, row
    cdef const uint8_t* kp = &keys[0] if keys.shape[0] else <const uint8_t*>b""
    cdef list conflicts = []
    cdef list buffers = []
    cdef dict strings = {}        # group -> its string values, appended once the copy is done
    cdef KeyBuffer buf
    cdef Target* targets
    cdef Target* t
    cdef int code
    if key_offsets.shape[0] != ngroups + 1 or starts.shape[0] != ngroups + 1 or sizes.shape[0] != ngroups:
        raise ValueError("key_offsets and starts need one entry more than types, sizes one per type")
    if bits.shape[0] != nvalues or rows.shape[0] != nvalues:
        raise ValueError("times, bits and rows differ in length")
    for g in range(ngroups):
        if starts[g] < 0 or starts[g] > starts[g + 1] or starts[g + 1] > nvalues:
            raise ValueError(f"group {g} is outside the values")
        if key_offsets[g] < 0 or key_offsets[g] > key_offsets[g + 1] or key_offsets[g + 1] > keys.shape[0]:
            raise ValueError(f"group {g} has its key outside the keys")
        if types[g] == T_STRING:
            for j in range(starts[g], starts[g + 1]):
                row = rows[j]
                if row < 0 or row + 1 >= string_offsets.shape[0] or string_offsets[row] > string_offsets[row + 1] \
                        or string_offsets[row + 1] > len(string_data):
                    raise ValueError(f"row {row} has no string in the string data")
    targets = <Target*>PyMem_Malloc(max(ngroups, 1) * sizeof(Target))
    if targets == NULL:
        raise MemoryError()
    try:
        # 1. Per key: find or create the buffer and reserve room (room is final before anything is copied,
        #    so a key that comes twice gets consecutive places).
        for g in range(ngroups):
            t = &targets[g]
            lo = starts[g]
            hi = starts[g + 1]
            count = hi - lo
            code = types[g]
            t.code = code
            t.skip = True
            buffers.append(None)
            if count == 0:
                continue
            klen = key_offsets[g + 1] - key_offsets[g]
            key = PyBytes_FromStringAndSize(<const char*>(kp + key_offsets[g]), klen)
            found = store.get(key)
            if found is None:
                buf = KeyBuffer(code)
                store[key] = buf
                new_key_bytes += klen
            else:
                buf = <KeyBuffer?>found
                if buf.code != code:
                    conflicts.append((key, _VALUE_TYPES[code], buf.vtype))
                    skipped_bytes += sizes[g]
                    continue
            buf._reserve(count)
            t.offset = buf.n + buf._pending
            buf._pending += count
            buffers[g] = buf
            t.skip = False
            if code == T_STRING:
                strings[g] = [string_data[string_offsets[rows[j]]:string_offsets[rows[j] + 1]]
                              for j in range(lo, hi)]
        for g in range(ngroups):
            if not targets[g].skip:
                buf = <KeyBuffer>buffers[g]
                targets[g].times = <int64_t*>cnp.PyArray_DATA(buf._times)
                targets[g].values = NULL if buf._values is None else <uint8_t*>cnp.PyArray_DATA(buf._values)
        # 2. Copy, without the GIL.
        with nogil:
            for g in range(ngroups):
                t = &targets[g]
                if t.skip:
                    continue
                lo = starts[g]
                hi = starts[g + 1]
                t.ordered = not (t.offset > 0 and times[lo] <= t.times[t.offset - 1])
                for j in range(lo + 1, hi):
                    if times[j] <= times[j - 1]:
                        t.ordered = False
                        break
                memcpy(t.times + t.offset, &times[lo], (hi - lo) * 8)
                if t.code == T_BOOLEAN:
                    for j in range(lo, hi):
                        t.values[t.offset + j - lo] = 1 if bits[j] else 0
                elif t.code != T_STRING:
                    memcpy(t.values + 8 * t.offset, &bits[lo], (hi - lo) * 8)
        # 3. Publish the counts.
        for g in range(ngroups):
            t = &targets[g]
            if t.skip:
                continue
            buf = <KeyBuffer>buffers[g]
            count = starts[g + 1] - starts[g]
            buf.n += count
            buf._pending -= count
            buf.nbytes += sizes[g]
            if t.code == T_STRING:
                buf._strings.extend(strings[g])
            if not t.ordered:
                buf.ordered = False
    finally:
        for found in buffers:
            if found is not None:
                (<KeyBuffer>found)._pending = 0
        PyMem_Free(targets)
    return new_key_bytes, skipped_bytes, conflicts
