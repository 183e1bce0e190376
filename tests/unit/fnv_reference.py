"""Pure-Python FNV-1a, the reference the Cython hashes are checked against (tests only)."""

MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1


def fnv64a(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & MASK64
    return h


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & MASK32
    return h
