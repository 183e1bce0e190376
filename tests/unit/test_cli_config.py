"""``influxd config`` against answers recorded from the real influxd 1.6.7 (tests/golden/config/).

``python tools/record_config.py`` re-records them. Every case is replayed in-process with the same files,
flags and environment; stdout must be byte-identical, and so must stderr except for the lines Chronus adds
on purpose (``warning: ...`` for ignored keys, ``hint: ...`` naming the key behind an error whose influxd
text does not). TOML syntax errors are the one documented gap: the parser is Python's ``tomllib``, so for the
less common ones (``syntax-approx-*``) only the refusal and the ``toml: line`` prefix are compared.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronus.cli.influxd import FlagError, cli, parse_go_flags

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "config"
RECORDS = [json.loads(line) for line in (GOLDEN / "answers.jsonl").read_text(encoding="utf-8").splitlines()]


def load_recorder():
    """The recorder, so outputs are normalised by the one function that normalised the goldens."""
    spec = importlib.util.spec_from_file_location("record_config", REPO / "tools" / "record_config.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


RECORDER = load_recorder()


def run_ours(spec: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Replay one recorded case through Chronus's CLI, in-process, with the recorder's set-up."""
    case_dir, home = tmp_path / "case", tmp_path / "home"
    case_dir.mkdir()
    home.mkdir()
    for name, text in spec["files"].items():
        (case_dir / name).write_text(text, encoding="utf-8")
    for name, text in spec["home_files"].items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_text(text, encoding="utf-8")
    for variable in list(os.environ):
        if variable.startswith("INFLUXDB_"):
            monkeypatch.delenv(variable)
    monkeypatch.setenv("HOME", str(home))
    for variable, value in spec["env"].items():
        monkeypatch.setenv(variable, value)
    monkeypatch.chdir(case_dir)
    args = [a.replace("{SAMPLES}", str(RECORDER.SAMPLES)) for a in spec["args"]]
    result = CliRunner().invoke(cli, ["config", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return {"stdout": RECORDER.normalise(result.stdout, str(tmp_path)),
            "stderr": RECORDER.normalise(result.stderr, str(tmp_path)),
            "exit_code": result.exit_code}


def without_our_lines(stderr: str) -> str:
    return "".join(line for line in stderr.splitlines(keepends=True)
                   if not line.startswith(("warning: ", "hint: ")))


@pytest.mark.parametrize("record", RECORDS, ids=[r["name"] for r in RECORDS])
def test_matches_influxd(record: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = run_ours(record, tmp_path, monkeypatch)
    assert ours["exit_code"] == record["exit_code"]
    assert ours["stdout"] == record["stdout"]
    if record["name"].startswith("syntax-approx-"):
        merging, _, refusal = record["stderr"].partition("\n")
        assert ours["stderr"].startswith(merging + "\nconfig: parse config: toml: line ")
        assert refusal.startswith("config: parse config: toml: line ")
    else:
        assert without_our_lines(ours["stderr"]) == record["stderr"]


def test_golden_covers_the_interesting_outcomes() -> None:
    by_name = {r["name"]: r for r in RECORDS}
    assert by_name["default"]["exit_code"] == 0
    assert (GOLDEN / "default.toml").read_text(encoding="utf-8") == by_name["default"]["stdout"]
    assert all(by_name[n]["exit_code"] == 0 for n in by_name if n.startswith("sample-"))
    assert sum(r["exit_code"] == 0 for r in RECORDS) > 40
    assert sum(r["exit_code"] == 1 for r in RECORDS) > 80


def test_default_output_starts_like_influxd() -> None:
    text = (GOLDEN / "default.toml").read_text(encoding="utf-8")
    assert text.startswith('reporting-enabled = false\nbind-address = "127.0.0.1:8088"\n\n[meta]\n'
                           '  dir = "{HOME}/.influxdb/meta"\n')
    assert text.endswith('[tls]\n  min-version = ""\n  max-version = ""\n\n')


def test_unknown_keys_are_warned_about(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = next(r for r in RECORDS if r["name"] == "unknown-keys-ignored")
    ours = run_ours(spec, tmp_path, monkeypatch)
    assert ours["exit_code"] == 0
    assert ours["stderr"] == (
        "Merging with configuration at: c.toml\n"
        'warning: unknown configuration key "foo" ignored\n'
        'warning: unknown configuration key "http.bar" ignored\n'
        'warning: unknown configuration key "nosuch" ignored\n'
        'warning: unknown configuration key "graphite.weird" ignored\n')


def test_error_without_key_gets_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = next(r for r in RECORDS if r["name"] == "duration-invalid")
    ours = run_ours(spec, tmp_path, monkeypatch)
    assert ours["stderr"] == ('Merging with configuration at: c.toml\n'
                              'config: parse config: time: invalid duration "abc"\n'
                              'hint: the invalid setting is retention.check-interval\n')


def test_console_script_prints_the_default(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUXDB_")}
    done = subprocess.run([sys.executable, "-m", "chronus.cli.influxd", "config", "-config", os.devnull],
                          capture_output=True, text=True, check=False, env=env, cwd=tmp_path)
    assert done.returncode == 0
    expected = (GOLDEN / "default.toml").read_text(encoding="utf-8")
    assert RECORDER.normalise(done.stdout, str(tmp_path)) == expected
    assert done.stderr == ""


@pytest.mark.parametrize(("args", "expected"), [
    ([], {}),
    (["-config", "a"], {"config": "a"}),
    (["--config", "a"], {"config": "a"}),
    (["-config=a=b"], {"config": "a=b"}),
    (["-config", "-x"], {"config": "-x"}),
    (["-config", "a", "-config", "b"], {"config": "b"}),
    (["rest", "-config", "a"], {}),
    (["-", "-config", "a"], {}),
    (["--", "-config", "a"], {}),
])
def test_go_flags(args: list[str], expected: dict) -> None:
    assert parse_go_flags(args, {"config"}) == expected


@pytest.mark.parametrize(("args", "message"), [
    (["-h"], "flag: help requested"),
    (["--help"], "flag: help requested"),
    (["-x"], "flag provided but not defined: -x"),
    (["-x=1"], "flag provided but not defined: -x"),
    (["-config"], "flag needs an argument: -config"),
    (["---config"], "bad flag syntax: ---config"),
    (["-=x"], "bad flag syntax: -=x"),
])
def test_go_flag_errors(args: list[str], message: str) -> None:
    with pytest.raises(FlagError) as info:
        parse_go_flags(args, {"config"})
    assert str(info.value) == message
