"""Write a :class:`~.allure.ResultSet` and the report-wide files with allure-python-commons'
``AllureFileLogger`` (the writer allure-pytest and Schemathesis use): results serialised the
library's way (``attr.asdict`` without empty fields; ``ALLURE_INDENT_OUTPUT`` indents them as
it does for allure-pytest), every file written to a temporary name and moved into place.

One departure from the stock logger: it names a result file after a fresh ``uuid4``; ours
names it after the result's own ``uuid`` (derived from its history id and the run, see
:mod:`.allure`), so ``report`` rebuilds a run's ``allure-results/`` byte for byte and a
rewrite replaces the files of the last one instead of adding to them.

Files another writer put in the directory (allure-pytest's) are kept; ours from the previous
write, listed in :data:`MANIFEST`, are removed first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from allure_commons.logger import INDENT, AllureFileLogger
from attr import asdict

from conformance.reports.allure import ResultSet

__all__ = ["MANIFEST", "StableNameFileLogger", "write_results"]

MANIFEST = ".sinch-conformance-files"  # files we wrote last time, removed before writing


class StableNameFileLogger(AllureFileLogger):
    """``AllureFileLogger`` naming each result (or container) file ``<uuid>-result.json``
    after the item's ``uuid`` instead of a random one; everything else is the library's."""

    def __init__(self, report_dir: Path) -> None:
        super().__init__(report_dir, clean=False)
        self.written: list[str] = []

    def file_name(self, item: Any) -> str:
        return str(item.file_pattern.format(prefix=item.uuid))

    def _report_item(self, item: Any) -> None:
        indent = INDENT if os.environ.get("ALLURE_INDENT_OUTPUT") else None
        data = asdict(item, filter=lambda _, v: v or v is False)
        self.report_attached_data(body=json.dumps(data, indent=indent, ensure_ascii=False),
                                  file_name=self.file_name(item))

    def report_attached_data(self, body: str | bytes, file_name: str) -> None:
        super().report_attached_data(body=body, file_name=file_name)
        self.written.append(file_name)


def _clean_previous(directory: Path) -> None:
    manifest = directory / MANIFEST
    if not manifest.exists():
        return
    for name in manifest.read_text(encoding="utf-8").split():
        if "/" not in name and name != MANIFEST:
            (directory / name).unlink(missing_ok=True)


def write_results(results: ResultSet, directory: Path, extra_files: Mapping[str, bytes]
                  ) -> list[str]:
    """Write results, attachments and ``extra_files`` (categories, environment, executor)
    into ``directory``; files another writer put there (allure-pytest's) are kept, ours from
    the previous write are replaced. Returns the names written."""
    directory.mkdir(parents=True, exist_ok=True)
    _clean_previous(directory)
    logger = StableNameFileLogger(directory)
    for name, data in results.attachments.items():
        logger.report_attached_data(body=data, file_name=name)
    for result in results.results:
        logger.report_result(result=result)
    for name, data in extra_files.items():
        logger.report_attached_data(body=data, file_name=name)
    names = sorted(set(logger.written))
    (directory / MANIFEST).write_text("\n".join(names) + "\n", encoding="utf-8")
    return names
