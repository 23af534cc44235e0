"""What the console shows of a run's summary: the per-operation table with its closing
lines, and the lines naming operations left untested."""

from __future__ import annotations

from conformance.operation_settings import SKIPPED_BY_CONFIG
from conformance.suite.summary import PHASES, READ_ONLY, SUCCESS_GOAL, RunSummary

__all__ = ["render_table", "untested_lines"]


def render_table(summary: RunSummary) -> str:
    """The per-operation table and a closing line, as printed after a run."""
    header = (f"{'operation':<36} {'calls':>6} {'2xx':>5} {'ok':>4} {'seqs':>5} {'viol':>5} "
              f"{'drift':>5}  phases")
    lines = [header, "-" * len(header)]
    for op_id, s in sorted(summary.operations.items(), key=lambda kv: (kv[1].tag, kv[0])):
        found = summary.findings_of(op_id)
        viol = sum(1 for f in found if not f.is_drift)
        drift = len(found) - viol
        phases = " ".join(f"{p[:2]}{s.by_origin[p]}" for p in PHASES if s.by_origin[p])
        why = summary.skipped.get(op_id, "?")
        mark = ("  SKIPPED BY CONFIG" if why.startswith(SKIPPED_BY_CONFIG) else
                "" if s.exercised else f"  NOT EXERCISED ({why})")
        failed = summary.errors_of(op_id)
        if failed:
            mark += f"  ERROR ({', '.join(dict.fromkeys(e.what for e in failed))})"
        lines.append(f"{op_id:<36} {s.calls:>6} {s.statuses['2xx']:>5} {s.successes:>4} "
                     f"{s.sequences:>5} {viol:>5} {drift:>5}  {phases}{mark}")
    total = len(summary.operations)
    lines.append("-" * len(header))
    lines.append(f"{summary.exercised}/{total} operations exercised, {summary.calls} calls, "
                 f"{summary.stateful_sequences} stateful sequences, "
                 f"{len(summary.violations)} violation(s), {len(summary.drift)} drift, "
                 f"{summary.wall_time:.1f} s")
    shard = summary.shard
    if shard:
        parts = [f"the unit phases of {len(shard['operations'])} operation(s)"]
        parts += ["the stateful phase"] if shard["stateful"] else []
        parts += [f"probes {', '.join(shard['probes'])}"] if shard["probes"] else []
        lines.append(f"shard {shard['shard']}: {', '.join(parts)}; other shards do the rest")
    if summary.not_selected:
        lines.append(f"{len(summary.not_selected)} operation(s) not selected by the filters "
                     f"(not tested): {', '.join(summary.not_selected)}")
    least = summary.min_successes()
    if least["operation"]:
        lines.append(f"ok = distinct 2xx exchanges (another request, or another answer once "
                     f"generated ids and times are masked; cleanup aside); fewest: "
                     f"{least['operation']} {least['count']} (goal {SUCCESS_GOAL})")
    if summary.errors:
        lines.append(f"RUN FAILED: {len(summary.errors)} internal error(s), so these counts "
                     "and verdicts are incomplete (listed below)")
    t = summary.transport
    if any(t.values()):
        lines.append(f"transport: {t.get('retries', 0):g} request(s) retried after 429/5xx "
                     f"({t.get('waited_s', 0):.1f} s waited), {t.get('unreachable', 0):g} "
                     f"could not connect, {t.get('timed_out', 0):g} timed out")
    return "\n".join(lines)


def untested_lines(summary: RunSummary) -> list[str]:
    """A WARNING naming the operations not exercised (but those a read-only run or the
    configuration skipped on purpose), and a line naming those the configuration skipped."""
    lines = []
    missing = [op for op, s in summary.operations.items() if not s.exercised and not
               summary.skipped.get(op, "").startswith((READ_ONLY, SKIPPED_BY_CONFIG))]
    if missing:
        lines.append(f"WARNING: {len(missing)} operation(s) not exercised: {', '.join(missing)}")
    skipped = [op for op, why in summary.skipped.items() if why.startswith(SKIPPED_BY_CONFIG)]
    if skipped:
        lines.append(f"{len(skipped)} operation(s) skipped by config: "
                     f"{', '.join(sorted(skipped))}")
    return lines
