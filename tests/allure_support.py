"""The Allure CLI for the tests that render HTML: found where `report --html` looks, else
installed once into the per-user cache (as `sinch-conformance report --install-allure` does)
when Node.js and npm are there; None (the test skips, saying why) when it cannot be had."""

from __future__ import annotations

import functools
import shutil

from conformance.errors import UserError
from conformance.reports.allure_cli import AllureCli, find_cli, install

__all__ = ["SKIP_REASON", "allure_or_none"]

SKIP_REASON = ("needs the Allure CLI: sinch-conformance report --install-allure "
               "(Node.js 20+ and npm)")


@functools.cache
def allure_or_none() -> AllureCli | None:
    try:
        return find_cli()
    except UserError:
        pass
    if shutil.which("npm") is None or shutil.which("node") is None:
        return None
    try:
        return install()
    except UserError:
        return None
