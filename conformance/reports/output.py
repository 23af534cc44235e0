"""Small writers shared by the drift and diff reports: Markdown tables and JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Case", "code", "junit_xml", "table"]


def code(text: object) -> str:
    """Inline Markdown code, safe inside a table cell."""
    value = str(text).replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in value else "`"
    return f"{fence}{value}{fence}"


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table; cells are escaped, not code-formatted."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


@dataclass(frozen=True)
class Case:
    classname: str
    name: str
    failure: str | None = None  # message of a failure
    skipped: str | None = None  # message of a skip
    output: str = ""
    error: str | None = None  # message of an error: the test itself could not run right


def _counted(cases: Sequence[Case]) -> dict[str, str]:
    failures = sum(1 for c in cases if c.failure is not None)
    errors = sum(1 for c in cases if c.error is not None)
    skipped = sum(1 for c in cases if c.skipped is not None and c.failure is None
                  and c.error is None)
    return {"tests": str(len(cases)), "failures": str(failures), "errors": str(errors),
            "skipped": str(skipped)}


def junit_xml(suite: str, cases: Sequence[Case]) -> str:
    """One ``<testsuite>`` with a ``<testcase>`` per case (``<failure>`` and ``<error>``
    may both be on one)."""
    counts = _counted(cases)
    root = ET.Element("testsuites", name=suite, tests=counts["tests"],
                      failures=counts["failures"], errors=counts["errors"])
    node = ET.SubElement(root, "testsuite", {"name": suite, **counts})
    for case in cases:
        tc = ET.SubElement(node, "testcase", classname=case.classname, name=case.name)
        if case.failure is not None:
            ET.SubElement(tc, "failure", message=case.failure).text = case.output or None
        if case.error is not None:
            ET.SubElement(tc, "error", message=case.error).text = case.error
        elif case.skipped is not None and case.failure is None:
            ET.SubElement(tc, "skipped", message=case.skipped)
        if case.output and case.failure is None:
            ET.SubElement(tc, "system-out").text = case.output
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") \
        + "\n"
