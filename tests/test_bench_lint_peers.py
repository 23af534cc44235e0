"""The peers benchmark (benchmarks/bench_lint_peers.py) cannot test nothing: every broken
copy really holds its defect (and the spec without it does not), and every diff pair really
differs. Pure Python: no npm, no peer, no timing."""

from pathlib import Path

import pytest
from file_modules import load_file_module

ROOT = Path(__file__).resolve().parents[1]
BENCH = load_file_module("bench_lint_peers_under_test",
                         ROOT / "benchmarks" / "bench_lint_peers.py")
SPEC = BENCH.load_spec()


@pytest.mark.parametrize("defect", BENCH.DEFECTS, ids=lambda d: d.key)
def test_broken_copy_holds_its_defect(defect):
    broken = BENCH.broken_copy(SPEC, defect)
    assert defect.present(broken), defect.what
    assert not defect.present(SPEC), f"the unbroken spec already has: {defect.what}"
    assert broken != SPEC
    assert any(BENCH.exists(broken, a) or BENCH.exists(SPEC, a) for a in defect.anchors)


def test_defects_and_pairs_cover_what_the_issue_names():
    keys = {d.key for d in BENCH.DEFECTS}
    assert len(keys) == len(BENCH.DEFECTS)
    assert {"param-in-bogus", "response-no-description", "ref-unresolved",
            "required-undefined", "example-invalid", "tag-undefined",
            "parameter-description", "enum-descriptions-no-enum",
            "path-param-unused"} <= keys
    pairs = BENCH.build_pairs(SPEC)
    assert len({p.key for p in pairs}) == len(pairs)
    assert all(p.old != p.new for p in pairs)
    assert {"major", "minor"} <= {p.expected for p in pairs}  # both directions are there


def test_pointer_round_trip_and_relation():
    ptr = BENCH.pointer("paths", "/v1/{id}:send", "get")
    assert BENCH.segments(ptr) == ("paths", "/v1/{id}:send", "get")
    assert BENCH.segments("#/paths/~1v1~1%7Bid%7D:send/get") == ("paths", "/v1/{id}:send", "get")
    anchor = BENCH.segments(ptr)
    assert BENCH.related(anchor + ("parameters", "0"), anchor)
    assert BENCH.related(anchor[:2], anchor)
    assert not BENCH.related(("paths",), anchor) and not BENCH.related((), anchor)
