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
* :mod:`.html` renders them with the Allure CLI (:mod:`.allure_cli` finds it, or installs the
  pinned one into a per-user cache), history kept;
* :mod:`.traffic`: recordings -> Findings (through the one ``check_exchange``) and the
  documented fields the traffic used;
* :mod:`.fields`: the property pointers a schema documents, and those a body uses;
* :mod:`.inputs`: the findings a report reads (a clean run leaves no directory);
* :mod:`.drift`, :mod:`.baseline`, :mod:`.drift_render`: drift per operation and field, the
  reviewed baseline of accepted drift, Markdown / JSON / JUnit output;
* :mod:`.spec_diff`, :mod:`.spec_diff_global`, :mod:`.schema_diff`, :mod:`.schema_keywords`,
  :mod:`.diff_model`, :mod:`.diff_version`, :mod:`.diff_render`: what changed between two
  spec versions, graded major / minor / patch per side, with positions, in md / json /
  junit / github;
* :mod:`.schema_walk`: the documented shape of schemas for fields (on
  :mod:`conformance.schema_walk`, the one walker); :mod:`.output` holds the Markdown table
  and JUnit XML writers the reports share.

These modules import the contract and the findings, never the CLI, the suite or the proxy.
"""
