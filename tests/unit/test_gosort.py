"""Go's string order (UTF-8 bytes) for names holding invalid bytes as surrogate escapes."""

from chronus.models.gosort import go_sorted, go_sorted_by


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def test_ascii_and_valid_utf8_keep_code_point_order():
    assert go_sorted(["b", "a", "\u5024", "Z", "\u00e9"]) == ["Z", "a", "b", "\u00e9", "\u5024"]


def test_stray_byte_sorts_by_its_byte():
    stray, valid, lone = _text(b"\xe59"), "\u5024", _text(b"\xe5")
    assert sorted([valid, stray, lone]) == [valid, lone, stray]  # Python's code point order
    assert go_sorted([valid, stray, lone]) == [lone, stray, valid]  # b"\xe5" < b"\xe59" < b"\xe5\x80\xa4"
    assert go_sorted([valid, stray, lone], reverse=True) == [valid, stray, lone]


def test_sorted_by_nested_keys():
    stray = _text(b"\xe59")
    items = [("cpu", (("\u5024", "a"),)), ("cpu", ((stray, "b"),)), ("\u6e29", ())]
    assert go_sorted_by(items, lambda item: item) == [items[1], items[0], items[2]]
    refs = [("v", 2), ("\u5024", 1), (stray, 1), ("v", 1)]
    assert go_sorted_by(refs, lambda ref: ref) == [("v", 1), ("v", 2), (stray, 1), ("\u5024", 1)]
    assert go_sorted_by([("b", 1), ("a", 2)], lambda ref: ref) == [("a", 2), ("b", 1)]
