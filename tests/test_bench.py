"""The benchmark runs end to end on a tiny base (its figures are only meaningful from `make bench`)."""

from __future__ import annotations

from bench.run import TARGETS, main
from db.connection import BASE_ENV


def test_the_bench_prints_and_writes_a_table_of_every_operation(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(BASE_ENV, str(tmp_path / "unused.db"))  # restored after the bench's AppTest runs
    results = tmp_path / "RESULTS.md"

    assert main(["--sizes", "20", "40", "--runs", "1", "--no-browser", "--results", str(results)]) == 0

    written = results.read_text(encoding="utf-8")
    assert "python -m bench.run --sizes 20 40" in written
    assert "Chromium measurement skipped" in written
    for operation in TARGETS:
        if "Chromium" not in operation:
            assert f"| {operation} | 40 |" in written, operation
    assert "| page of 100 with computed columns | 20 |" in capsys.readouterr().out
