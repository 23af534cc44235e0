"""Our Allure labels, attachments and categories on the results allure-pytest writes
(``pytest --alluredir DIR``): allure-pytest owns the result files; we add to them.

* Labels: the ones :func:`conformance.reports.allure.build_results` gives an operation
  (``epic`` = suite, ``feature`` = the operation's first tag, ``story`` = the operation, and
  the Suites tab's ``parentSuite``/``suite``/``subSuite``), as ``allure_label`` marks at
  collection; after the item ran, the severity of its worst finding and its categories and
  kinds as tags.
* Attachments: each finding's request, response, curl line and record, as
  ``build_results`` makes them (secrets already redacted).
* History: allure-pytest derives ``historyId`` from the item's full name, which is its
  stable node id (``sinch-conformance::<phase>::<operationId>``); the seed and the target
  are parameters excluded from it, so one item keeps one history line across nightly runs.
* Categories: ``categories.json`` with our categories (:func:`.allure_meta.categories`),
  matched anywhere in the message (allure-pytest prefixes it with the exception's name).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.findings import Severity

if TYPE_CHECKING:
    from conformance.contract import Contract
    from conformance.suite.slices import SliceResult

__all__ = ["add_static_labels", "operation_labels", "report_to_allure", "write_categories"]

_STATIC = ("epic", "feature", "story", "parentSuite", "suite", "subSuite")


def operation_labels(contract: Contract, operations: list[str]) -> dict[str, list[tuple[str, str]]]:
    """operationId -> the static labels our Allure writer gives that operation."""
    from conformance.reports.allure import build_results

    summary = {"operations": {op: {"calls": 1} for op in operations}}
    out: dict[str, list[tuple[str, str]]] = {}
    for result in build_results([], contract=contract, summary=summary).results:
        pairs = _pairs(_field(result, "labels"))
        story = next((value for name, value in pairs if name == "story"), "")
        out[story] = [(name, value) for name, value in pairs if name in _STATIC]
    return out


def _field(record: Any, name: str) -> Any:
    """A field of a result, attachment or label of ``build_results``: plain dicts now,
    allure-python-commons models once the reports write through that library."""
    return record[name] if isinstance(record, dict) else getattr(record, name)


def _pairs(labels: list[Any]) -> list[tuple[str, str]]:
    return [(str(_field(lb, "name")), str(_field(lb, "value"))) for lb in labels]


def add_static_labels(item: pytest.Item, labels: list[tuple[str, str]]) -> None:
    for name, value in labels:
        item.add_marker(pytest.mark.allure_label(value, label_type=name))


def _active(config: pytest.Config) -> bool:
    return bool(getattr(config.option, "allure_report_dir", None))


def report_to_allure(item: pytest.Item, result: SliceResult, seed: int,
                     contract: Contract) -> None:
    """The item's findings (attachments), severity, tags and run parameters, added to the
    result allure-pytest is writing (nothing without ``--alluredir``)."""
    if not _active(item.config):
        return
    import allure
    from allure_commons.types import AttachmentType

    from conformance.reports.allure import build_results

    allure.dynamic.parameter("seed", seed, excluded=True)
    allure.dynamic.parameter("calls", result.calls, excluded=True)
    findings = result.violations + result.drift
    order = list(Severity)
    worst = min((order.index(f.severity) for f in findings), default=order.index(
        Severity.NORMAL))
    allure.dynamic.severity(order[worst].value)
    built = build_results(findings, contract=contract)
    tags = [value for res in built.results for name, value in _pairs(_field(res, "labels"))
            if name == "tag"]
    if tags:
        allure.dynamic.tag(*dict.fromkeys(tags))
    for res in built.results:
        for attachment in _field(res, "attachments"):
            kind = (AttachmentType.JSON if _field(attachment, "type") == "application/json"
                    else AttachmentType.TEXT)
            allure.attach(built.attachments[_field(attachment, "source")],
                          name=f"{_field(res, 'name')}: {_field(attachment, 'name')}",
                          attachment_type=kind)


def write_categories(config: pytest.Config) -> Path | None:
    """``categories.json`` in the --alluredir, once per session (the xdist controller)."""
    if not _active(config) or hasattr(config, "workerinput"):
        return None
    from conformance.reports.allure_meta import categories

    out: list[dict[str, Any]] = []
    for category in categories():
        regex = category.get("messageRegex")
        if isinstance(regex, str) and regex.startswith("^"):
            # allure-pytest's message starts with the exception's name, then ours
            category = {**category, "messageRegex": ".*" + regex[1:],
                        "matchedStatuses": ["failed", "broken"]}
        out.append(category)
    path = Path(config.option.allure_report_dir) / "categories.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return path
