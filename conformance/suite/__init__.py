"""The nightly conformance run: Schemathesis (examples, coverage, fuzzing, stateful) plus
targeted probes, against any target, every exchange judged by the contract core.

One job per module:

* :mod:`.target`: base URL, credentials, Basic / OAuth2 ``Authorization`` (token refresh);
* :mod:`.transport`: token bucket, retries with back-off, the suite's own HTTP calls;
* :mod:`.generation`: the document Schemathesis generates from (dotted-parameter fix);
* :mod:`.fixtures`: real app / contact ids that generated requests can refer to;
* :mod:`.engine`: Schemathesis' engine, its phases, hooks and auth, as suite events;
* :mod:`.checks`: the exchange checks and Schemathesis failure -> Finding kind registries;
* :mod:`.collector`: counts per operation, Findings deduplicated by fingerprint;
* :mod:`.probes`: targeted sequences (lifecycle, pagination, auth, expired token, inputs);
* :mod:`.cleanup`: every created resource, deleted at the end;
* :mod:`.summary`, :mod:`.progress`: the per-operation table, the live display;
* :mod:`.emulator_runner`: the bundled emulator as a subprocess;
* :mod:`.runner`: one run, start to end;
* :mod:`.slices`: the same run slice by slice (the pytest plugin's items).

It imports the contract and the findings, never the reports or the CLI.
"""

from conformance.suite.options import ALL_PHASES, SuiteOptions
from conformance.suite.runner import RunResult, check_connection, run_suite
from conformance.suite.summary import RunSummary
from conformance.suite.summary_text import render_table
from conformance.suite.target import Credentials, Target, target_from

__all__ = ["ALL_PHASES", "Credentials", "RunResult", "RunSummary", "SuiteOptions", "Target",
           "check_connection", "render_table", "run_suite", "target_from"]
