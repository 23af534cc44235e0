"""Who an Allure result is: its history id, status, status message and labels, as
allure-python-commons models. Public, so that every writer of Allure results for this
project (the run's and report's :mod:`.allure`, the pytest plugin's allure-pytest output)
groups, categorises and tracks a finding the same way.

- **history id** (also the test case id): a hash of stable parts, so the same finding (source
  and fingerprint) or the same operation forms one history line across nightly runs;
- **status**: a violation is ``failed``; drift and findings we could not check are ``broken``;
- **status message**: starts with ``[category]``, which ``categories.json``
  (:func:`conformance.reports.allure_meta.categories`) matches; the suite's internal errors
  start with ``[run error]``;
- **labels**: ``epic`` = source, ``feature`` = the operation's first tag, ``story`` = the
  operation (Allure's Behaviors tab), mirrored as ``parentSuite``/``suite``/``subSuite``
  (the Suites tab), then severity, framework, language and ``tag`` labels.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from allure_commons.model2 import Label, Status

from conformance.findings import Finding

if TYPE_CHECKING:
    from conformance.contract import Contract

__all__ = ["NOT_CHECKED", "RUN_ERROR", "feature_of", "finding_history_id", "finding_labels",
           "finding_status", "finding_status_message", "history_id", "labels",
           "operation_history_id", "run_error_history_id", "story_of"]

NOT_CHECKED = "not checked"  # the category of findings whose check did not run
RUN_ERROR = "run error"  # status message prefix (and tag) of the suite's internal errors


def history_id(*parts: str) -> str:
    """A stable id of ``parts`` (an md5 hex digest): the history and test case id."""
    return hashlib.md5("\x1f".join(parts).encode(), usedforsecurity=False).hexdigest()


def finding_history_id(finding: Finding) -> str:
    """One history line per source and fingerprint."""
    return history_id(finding.source, finding.fingerprint)


def operation_history_id(operation_id: str) -> str:
    """The history line of an operation the suite exercised (or did not)."""
    return history_id("suite", "operation", operation_id)


def run_error_history_id(what: str, where: str) -> str:
    """The history line of an internal error of the suite tied to no operation."""
    return history_id("suite", RUN_ERROR, what, where)


def finding_status(finding: Finding) -> str:
    """``broken`` for drift and findings not checked, ``failed`` for violations."""
    if finding.is_drift or finding.category == NOT_CHECKED:
        return str(Status.BROKEN)
    return str(Status.FAILED)


def finding_status_message(finding: Finding) -> str:
    """``[category] title: message``: the prefix is what ``categories.json`` matches."""
    return f"[{finding.category}] {finding.title}: {finding.message}"


def feature_of(contract: Contract | None, operation_id: str | None) -> str:
    """The operation's first tag (``Untagged`` without one, ``Undocumented operations``
    without an operation)."""
    if not operation_id:
        return "Undocumented operations"
    op = contract.operations.get(operation_id) if contract else None
    return op.tags[0] if op and op.tags else "Untagged"


def story_of(finding: Finding) -> str:
    """The operation id, or ``METHOD /path`` when the finding has none."""
    return finding.operation_id or f"{finding.method or '?'} {finding.path_template or '?'}"


def labels(epic: str, feature: str, story: str, severity: str, tags: Iterable[str]
           ) -> list[Label]:
    """The labels of a result: behaviours, suites, severity, framework, language, tags
    (each once, in order)."""
    pairs = [("epic", epic), ("feature", feature), ("story", story), ("severity", severity),
             ("parentSuite", epic), ("suite", feature), ("subSuite", story),
             ("framework", "sinch-conformance"), ("language", "python")]
    pairs += [("tag", t) for t in dict.fromkeys(tags)]
    return [Label(name=n, value=v) for n, v in pairs]


def finding_labels(finding: Finding, contract: Contract | None) -> list[Label]:
    """A finding's labels: its source, the operation's tag and the operation; tagged with
    its category, kind and ``drift`` for drift."""
    return labels(finding.source, feature_of(contract, finding.operation_id),
                  story_of(finding), str(finding.severity),
                  [finding.category, str(finding.kind), *(["drift"] if finding.is_drift else [])])
