"""One report from the N shards of a run (``run --shard K/N``): their ``summary.json`` data
merged into one, and their findings into one list.

* findings: one per fingerprint (the first seen), occurrences summed;
* operations: calls, sequences, phases and statuses summed; the sample and the reason an
  operation was skipped kept from a shard that has one (a skip only when no shard called
  it); violations and drift counted again from the merged findings;
* the run: calls, sequences, transport and cleanup counts summed, phase times the longest,
  start the earliest, end the latest, notes, problems and internal errors of every shard;
  ``shard`` lists the shards merged, and a missing one is a problem of the merged run.

Summaries that are not the shards of one run (no ``shard``, two copies of one shard,
different N, seed or target) are refused with one UserError: a second ``--summary`` never
silently wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from conformance.errors import UserError
from conformance.findings import Finding

__all__ = ["merge_findings", "merge_summaries"]

_SUMMED = ("calls", "sequences", "errors")
_TIP = ("pass the summary.json of each shard of one run once (each written by "
        "`sinch-conformance run --shard K/N`)")


def merge_findings(groups: Iterable[Iterable[Finding]]) -> list[Finding]:
    """One Finding per fingerprint, the first seen, in the order given."""
    seen: dict[str, Finding] = {}
    for group in groups:
        for finding in group:
            seen.setdefault(finding.fingerprint, finding)
    return list(seen.values())


def _shard(path: str, data: Mapping[str, Any]) -> Mapping[str, Any]:
    shard = (data.get("run") or {}).get("shard")
    if not isinstance(shard, Mapping) or not shard.get("count"):
        raise UserError(f"the summary {path} is not of a `run --shard K/N`, so it cannot be "
                        "merged with other summaries", tip=_TIP)
    return shard


def _check(items: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]:
    """The problems of a consistent set of shards (missing ones); UserError otherwise."""
    first_path, first = items[0]
    first_shard = _shard(first_path, first)
    seen: dict[int, str] = {}
    for path, data in items:
        shard, run = _shard(path, data), data.get("run") or {}
        if shard["count"] != first_shard["count"]:
            raise UserError(f"{first_path} is shard {first_shard['shard']} but {path} is shard "
                            f"{shard['shard']}: shards of different runs", tip=_TIP)
        for key in ("seed", "target"):
            if run.get(key) != (first.get("run") or {}).get(key):
                raise UserError(f"{first_path} and {path} have different {key}s "
                                f"({(first.get('run') or {}).get(key)} and {run.get(key)}): "
                                "shards of different runs", tip=_TIP)
        if shard["index"] in seen:
            raise UserError(f"{seen[shard['index']]} and {path} are both shard "
                            f"{shard['shard']}", tip=_TIP)
        seen[shard["index"]] = path
    count = int(first_shard["count"])
    return [f"shard {k}/{count} missing from this report: its operations were not tested"
            for k in range(1, count + 1) if k not in seen]


def _operations(summaries: Sequence[Mapping[str, Any]], findings: Sequence[Finding]
                ) -> dict[str, Any]:
    merged: dict[str, dict[str, Any]] = {}
    for data in summaries:
        for op_id, info in (data.get("operations") or {}).items():
            into = merged.setdefault(op_id, {"method": info.get("method"),
                                             "path": info.get("path"), "tag": info.get("tag"),
                                             "by_phase": Counter(), "statuses": Counter(),
                                             **dict.fromkeys(_SUMMED, 0)})
            for key in _SUMMED:
                into[key] += int(info.get(key, 0) or 0)
            into["by_phase"].update(info.get("by_phase") or {})
            into["statuses"].update(info.get("statuses") or {})
            for key in ("sample", "skipped"):
                if key in info:
                    into.setdefault(key, info[key])
    for op_id, info in merged.items():
        info["by_phase"], info["statuses"] = dict(info["by_phase"]), dict(info["statuses"])
        if info["calls"]:
            info.pop("skipped", None)
        found = [f for f in findings if f.operation_id == op_id]
        info["violations"] = sum(1 for f in found if not f.is_drift)
        info["drift"] = sum(1 for f in found if f.is_drift)
    return dict(sorted(merged.items()))


def _union(lists: Iterable[Iterable[Any]]) -> list[Any]:
    out: list[Any] = []
    for items in lists:
        out += [item for item in items if item not in out]
    return out


def _sums(dicts: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in dicts:
        for key, value in d.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                out[key] = round(out.get(key, 0) + value, 2)
            elif isinstance(value, list):
                out[key] = out.get(key, []) + value
            else:
                out.setdefault(key, value)
    return out


def _run(runs: Sequence[Mapping[str, Any]], ops: Mapping[str, Any], findings: list[Finding],
         problems: list[str]) -> dict[str, Any]:
    first = runs[0]
    stops = [r.get("stop_reason") for r in runs]
    shards = sorted((r["shard"] for r in runs), key=lambda s: s["index"])
    errors = [e for r in runs for e in r.get("errors") or []]
    phase_times: dict[str, float] = {}
    for r in runs:
        for phase, seconds in (r.get("phase_times_s") or {}).items():
            phase_times[phase] = max(phase_times.get(phase, 0.0), seconds)
    run = {**first, "run_id": "+".join(str(r.get("run_id")) for r in runs),
           "run_ids": [r.get("run_id") for r in runs],
           "started_at": min(str(r.get("started_at") or "") for r in runs),
           "finished_at": max(str(r.get("finished_at") or "") for r in runs),
           "wall_time_s": max(float(r.get("wall_time_s") or 0) for r in runs),
           "stop_reason": next((s for s in stops if s == "interrupted"), None)
           or next((s for s in stops if s != "completed"), "completed"),
           "calls": sum(int(o["calls"]) for o in ops.values()),
           "operations_exercised": sum(1 for o in ops.values() if o["calls"]),
           "operations_total": len(ops),
           "stateful_sequences": sum(int(r.get("stateful_sequences") or 0) for r in runs),
           "violations": sum(1 for f in findings if not f.is_drift),
           "drift": sum(1 for f in findings if f.is_drift),
           "phase_times_s": phase_times,
           "transport": _sums(r.get("transport") or {} for r in runs),
           "cleanup": _sums(r.get("cleanup") or {} for r in runs),
           "notes": _union(r.get("notes") or [] for r in runs),
           "error_count": len(errors), "errors": errors,
           "problems": _union([*(r.get("problems") or [] for r in runs), problems]),
           "shard": {"shard": ", ".join(s["shard"] for s in shards),
                     "count": first["shard"]["count"],
                     "merged": [s["shard"] for s in shards],
                     "operations": sorted(op for s in shards for op in s["operations"])}}
    return run


def merge_summaries(items: Sequence[tuple[str, Mapping[str, Any]]],
                    findings: Sequence[Finding]) -> tuple[dict[str, Any], list[str]]:
    """(the merged summary data, its problems) of the shards' ``(path, summary.json data)``;
    ``findings`` are the merged findings (:func:`merge_findings`); the suite's of these runs
    count."""
    problems = _check(items)
    summaries = [data for _path, data in items]
    runs = [data.get("run") or {} for data in summaries]
    run_ids = {r.get("run_id") for r in runs}
    findings = [f for f in findings if f.source == "suite" and f.run_id in run_ids]
    ops = _operations(summaries, findings)
    occurrences: Counter[str] = Counter()
    for data in summaries:
        for f in data.get("findings") or []:
            occurrences[f["fingerprint"]] += int(f.get("occurrences", 1))
    listed = {f["fingerprint"]: f for data in summaries for f in data.get("findings") or []}
    merged_findings = [{**listed[fp], "occurrences": occurrences[fp]} for fp in listed]
    return ({"operations": ops, "run": _run(runs, ops, findings, problems),
             "findings": merged_findings}, problems)
