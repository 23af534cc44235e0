#!/usr/bin/env bash
# The nightly conformance job: the suite, the drift gate, the Allure report. The workflow
# (.github/workflows/nightly.yml) runs exactly this; so can anyone, locally or in another CI:
#
#     .github/scripts/nightly.sh [ARGUMENTS FOR `sinch-conformance run` ...]
#
# It needs only the installed `sinch-conformance` command on PATH (pip install, or -e . in a
# checkout) and runs in the current directory. The target is the bundled emulator unless
# SINCH_TARGET is set (then with SINCH_PROJECT_ID, SINCH_KEY_ID, SINCH_KEY_SECRET).
#
# Settings (environment, defaults in brackets):
#   NIGHTLY_OUT         [reports] where everything goes: findings/, summary.json, drift.md,
#                       drift.json, drift-junit.xml, allure-results/, allure-report/, history/,
#                       nightly.md (this script's verdict, for a job summary)
#   NIGHTLY_BASELINE    [drift-baseline.yaml] the reviewed, committed baseline of accepted drift
#   NIGHTLY_RECORDINGS  [recordings] every *.har in it is replayed into the drift report
#   NIGHTLY_BOOTSTRAP   [missing] with no baseline file: write one from this run (every entry
#                       "TODO: review"), say so loudly and pass; `never`: fail instead
#   NIGHTLY_HTML        [auto] render the Allure HTML when an Allure CLI is found, else write
#                       allure-results/ only, with a warning; `install`: install the pinned CLI
#                       first (report --install-allure); `yes`: no HTML is an error; `no`: none
#   NIGHTLY_ALLURE_CLI  an Allure executable to render with (report --allure-cli)
#   NIGHTLY_SHARD       K/N: run only the suite's K-th of N shards (`run --shard K/N`, with
#                       1/N of the rate limit) into NIGHTLY_OUT, with its exit status in
#                       suite-exit; no drift gate, no report (the merge does them). Exit 0
#                       unless the suite could not run (its status then)
#   NIGHTLY_MERGE       the output directories of every shard, space-separated: no suite of
#                       its own; the drift gate and the report take the shards' findings and
#                       summaries, merged (a shard without outputs fails the job)
#
# Exit status: 0 nothing outside the baseline (or a baseline bootstrapped by this run, said
# as a warning); 1 new drift or a violation the baseline does not accept (drift.md lists it);
# 2 the suite, drift or report could not run (said on stderr); 130 interrupted.
set -euo pipefail

out=${NIGHTLY_OUT:-reports}
baseline=${NIGHTLY_BASELINE:-drift-baseline.yaml}
recordings=${NIGHTLY_RECORDINGS:-recordings}
bootstrap=${NIGHTLY_BOOTSTRAP:-missing}
html=${NIGHTLY_HTML:-auto}
allure_cli=${NIGHTLY_ALLURE_CLI:-}
shard=${NIGHTLY_SHARD:-}
read -r -a merge <<<"${NIGHTLY_MERGE:-}"

# One line per event: a GitHub annotation in Actions, "nightly: LEVEL: ..." elsewhere.
say() {
    local level=$1
    shift
    if [ "${GITHUB_ACTIONS:-}" = true ]; then
        echo "::${level}::$*"
    else
        echo "nightly: ${level}: $*"
    fi >&2
}
verdict=()   # the lines of nightly.md
note() { verdict+=("- $*"); }

case "$bootstrap" in missing | never) ;; *)
    say error "NIGHTLY_BOOTSTRAP=$bootstrap: use 'missing' or 'never'"; exit 2 ;;
esac
case "$html" in auto | install | yes | no) ;; *)
    say error "NIGHTLY_HTML=$html: use 'auto', 'install', 'yes' or 'no'"; exit 2 ;;
esac
if ! command -v sinch-conformance >/dev/null 2>&1; then
    say error "sinch-conformance is not on PATH: pip install it (or pip install -e . in a checkout) first"
    exit 2
fi

if [ -n "$shard" ] && [ ${#merge[@]} -gt 0 ]; then
    say error "NIGHTLY_SHARD runs one shard, NIGHTLY_MERGE merges them: set one of the two"
    exit 2
fi
if [ -z "$shard" ] && [ ! -f "$baseline" ] && [ "$bootstrap" = never ]; then
    say error "no drift baseline at $baseline (NIGHTLY_BOOTSTRAP=never): commit one, or run" \
        "once with NIGHTLY_BOOTSTRAP=missing to write it from a run"
    exit 2
fi

mkdir -p "$out"
# This run's report only: earlier suite runs' findings and reports go (other sources'
# findings, e.g. the proxy's, stay and count).
rm -f "$out"/findings/suite-*.jsonl "$out"/drift.md "$out"/drift.json "$out"/drift-junit.xml \
    "$out"/nightly.md

# ---------------------------------------------------------------- the suite
suite=0
inputs=(--findings "$out/findings")   # what the drift gate and the report read
if [ -n "$shard" ]; then   # one shard: the suite only, its status for the merge
    sinch-conformance run --out "$out" --shard "$shard" "$@" || suite=$?
    echo "$suite" >"$out/suite-exit"
    echo "nightly: shard $shard: suite exit $suite; outputs in $out for the merge" >&2
    if [ "$suite" -le 1 ]; then exit 0; fi
    say error "shard $shard: the suite did not complete (exit $suite)"
    exit "$suite"
elif [ ${#merge[@]} -gt 0 ]; then   # the shards' outputs: their worst status, merged
    for dir in "${merge[@]}"; do
        code=$(cat "$dir/suite-exit" 2>/dev/null || echo 2)
        if [ ! -f "$dir/summary.json" ]; then
            say error "no shard outputs in $dir (summary.json): that shard did not run"
            code=2
        else
            inputs+=(--findings "$dir/findings" --summary "$dir/summary.json")
        fi
        if [ "$code" -gt 1 ] && [ "$suite" -le 1 ]; then suite=$code
        elif [ "$code" -eq 1 ] && [ "$suite" -eq 0 ]; then suite=1; fi
    done
else
    sinch-conformance run --out "$out" "$@" || suite=$?
fi
case "$suite" in
    0) note "suite: no violation" ;;
    1) note "suite: violations (the drift gate below says whether the baseline accepts them)" ;;
    130) note "suite: **interrupted**; its findings so far are in the report"
         say error "the suite was interrupted" ;;
    *) note "suite: **did not complete** (exit $suite; the job log says why)"
       say error "the suite did not complete (exit $suite): see its last lines above" ;;
esac

# ---------------------------------------------------------------- the drift gate
shopt -s nullglob
hars=("$recordings"/*.har)
shopt -u nullglob
drift() {
    sinch-conformance drift "${inputs[@]}" ${hars[@]+"${hars[@]}"} --out "$out" \
        --junit "$out/drift-junit.xml" --format md "$@" >/dev/null
}
gate=0
bootstrapped=""
if [ -f "$baseline" ]; then
    drift --baseline "$baseline" || gate=$?
elif [ "$bootstrap" = missing ] && [ "$suite" -le 1 ]; then
    mkdir -p "$(dirname "$baseline")"
    drift --baseline "$baseline" --update-baseline || gate=$?
    if [ "$gate" -ne 0 ]; then
        say error "no drift baseline at $baseline, and writing one failed (exit $gate)"
        note "drift: **no baseline** at \`$baseline\`, and writing one failed (exit $gate)"
    else
        bootstrapped=yes
        cp "$baseline" "$out/drift-baseline.bootstrap.yaml"
        drift --baseline "$baseline" || gate=$?   # the report, against the new baseline
        entries=$(grep -cE '^ *- fingerprint:' "$baseline" || true)
        say warning "no drift baseline at $baseline, so this run wrote one ($entries" \
            "entries, each with reason 'TODO: review'; a copy is $out/drift-baseline.bootstrap.yaml)" \
            "and passes without a drift gate. Review every entry (write why it is accepted, or" \
            "fix the drift and drop the entry) and commit the file: from then on, drift not in" \
            "it fails this job. One run may not show all the drift other seeds find."
        if [ "$suite" -eq 1 ]; then
            say warning "the baseline written also accepts this run's violations: fix them" \
                "rather than accept them, unless the team decides otherwise"
        fi
        note "drift: **no gate this run**: there was no baseline at \`$baseline\`, so this" \
            "run wrote one ($entries entries, each \`TODO: review\`; also" \
            "\`$out/drift-baseline.bootstrap.yaml\`). Review it and commit it."
    fi
else   # no baseline, and the suite did not complete: nothing to bootstrap from
    gate=2
    say error "no drift baseline at $baseline, and none is written from an incomplete run"
    note "drift: **no baseline** at \`$baseline\`, and none written from an incomplete run"
    drift || true   # the report, without a gate
fi
if [ -z "$bootstrapped" ] && [ -f "$baseline" ]; then
    case "$gate" in
        0) note "drift: nothing outside \`$baseline\`" ;;
        1) note "drift: **new drift or violations** not in \`$baseline\` (listed as new below)"
           say error "new spec drift or violations not in $baseline: see $out/drift.md." \
               "Fix it, or accept it in the baseline with a reason" ;;
        *) note "drift: **did not run** (exit $gate; the job log says why)"
           say error "the drift report did not run (exit $gate)" ;;
    esac
fi
todo=0
if [ -f "$baseline" ]; then
    todo=$(grep -cE "^ *reason: *['\"]?TODO: review" "$baseline" || true)
fi
if [ "$todo" -gt 0 ] && [ -z "$bootstrapped" ]; then
    say warning "$baseline has $todo entries still reasoned 'TODO: review': review them"
fi

# ---------------------------------------------------------------- the Allure report
report() { sinch-conformance report "${inputs[@]}" --out "$out" "$@"; }
rendered=0
reported=0
if [ "$html" != no ]; then
    flags=(--html)
    if [ -n "$allure_cli" ]; then
        flags+=(--allure-cli "$allure_cli")
    elif [ "$html" = install ]; then
        flags=(--install-allure)
    fi
    if why=$(report "${flags[@]}" 2>&1); then
        rendered=1
        reported=1
        printf '%s\n' "$why"
    else
        printf '%s\n' "$why" >&2
        why=$(printf '%s\n' "$why" | grep -m1 '^error:' || printf '%s\n' "$why" | tail -n1)
        if [ "$html" = yes ]; then
            say error "the Allure HTML report could not be rendered (${why#error: })"
        else
            say warning "no Allure HTML report (${why#error: }); writing allure-results only"
        fi
    fi
fi
if [ "$reported" -eq 0 ]; then
    if report; then
        reported=1
    else
        say error "the Allure results could not be written (exit $?)"
    fi
fi
if [ "$rendered" -eq 1 ]; then
    note "report: Allure HTML in \`$out/allure-report/\`"
elif [ "$reported" -eq 1 ]; then
    note "report: \`$out/allure-results/\` only (no Allure HTML: see the job log)"
else
    note "report: **not written** (see the job log)"
fi

# ---------------------------------------------------------------- the verdict
status=0
if [ "$suite" -gt 1 ]; then
    status=$suite
elif [ "$gate" -ne 0 ]; then
    status=$gate
elif [ "$reported" -eq 0 ] || { [ "$html" = yes ] && [ "$rendered" -eq 0 ]; }; then
    status=2
fi
if [ "$status" -eq 0 ]; then
    title="passed"
else
    title="FAILED (exit $status)"
fi
{
    echo "## Nightly conformance: $title"
    echo
    printf '%s\n' "${verdict[@]}"
    echo
} >"$out/nightly.md"
echo "nightly: $title; drift report in $out/drift.md, verdict in $out/nightly.md" >&2
exit "$status"
