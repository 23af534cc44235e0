"""Reports built from Findings and from the spec: the layer between the contract and the CLI.

One job per module:

* :mod:`.allure` and :mod:`.allure_meta`: Findings (every source) -> Allure 2 result files,
  ``categories.json``, ``environment.properties`` and ``executor.json``;
* :mod:`.run_reports`: a suite run's reports from its findings and summary data
  (``allure-results/`` and the run's JUnit XML), the same whether ``run`` or ``report``
  writes them;
* :mod:`.writers`: every writer, one entry per output format in ``WRITERS`` (a
  :class:`conformance.registry.Registry`), and ``write_run_reports``, the one route into a
  run's reports;
* :mod:`.html`: the Allure CLI pinned in ``reports/package.json`` renders them, history kept;
* :mod:`.traffic`: HAR recordings -> Findings and the documented fields the traffic used;
* :mod:`.fields`: the property pointers a schema documents, and those a body uses;
* :mod:`.inputs`: the findings a report reads (a clean run leaves no directory);
* :mod:`.drift`, :mod:`.baseline`, :mod:`.drift_render`: drift per operation and field, the
  reviewed baseline of accepted drift, Markdown / JSON / JUnit output;
* :mod:`.spec_diff`, :mod:`.schema_diff`, :mod:`.diff_render`: what changed between two spec
  versions, classed breaking or not, in the same three formats;
* :mod:`.schema_walk` follows ``$ref`` and combinators for fields and diffs; :mod:`.output`
  holds the Markdown table and JUnit XML writers both reports share.

These modules import the contract and the findings, never the CLI, the suite or the proxy.
"""
