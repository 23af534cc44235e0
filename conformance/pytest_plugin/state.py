"""What one pytest session (one xdist worker) shares: the emulators it started, the suite
session its items run in (connection checked, fixtures made, schemas built and tokens
fetched once), and the seed. Everything is started when first needed (``--collect-only``
starts nothing) and stopped in :meth:`PluginState.close`, processes by their PID.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from conformance.errors import UserError
from conformance.pytest_plugin.emulators import EmulatorPool
from conformance.pytest_plugin.options import PluginOptions, plugin_flags

if TYPE_CHECKING:
    from conformance.suite.slices import SuiteSession

__all__ = ["STATE", "PluginState", "SuiteUnavailable"]


class SuiteUnavailable(Exception):
    """The target cannot be tested (unreachable, wrong URL, refused credentials)."""


class PluginState:
    def __init__(self, config: pytest.Config, options: PluginOptions | None, seed: int) -> None:
        self.config = config
        self.options = options
        self.seed = seed
        self.pool = EmulatorPool((options.values.get("auth") if options else None)
                                 or os.environ.get("SINCH_AUTH") or "oauth2")
        self._suite: SuiteSession | None = None
        self._error: UserError | None = None
        self._tmp: str | None = None

    @property
    def worker(self) -> str:
        """The xdist worker id (gw0, ...) or "main"."""
        return str(getattr(self.config, "workerinput", {}).get("workerid", "main"))

    def suite(self) -> SuiteSession:
        """The started suite session; SuiteUnavailable (the same each time) when the target
        cannot be tested."""
        if self._error is not None:
            raise SuiteUnavailable(self._error.message, self._error.tip)
        if self._suite is None:
            try:
                self._suite = self._start()
            except UserError as exc:
                self._error = UserError(plugin_flags(exc.message), tip=plugin_flags(exc.tip))
                raise SuiteUnavailable(self._error.message, self._error.tip) from None
        return self._suite

    def prepare(self, phases: set[str]) -> None:
        """Start the suite session and build the schemas of these phases now; a target
        that cannot be tested is reported by each item, not here."""
        try:
            suite = self.suite()
        except SuiteUnavailable:
            return
        suite.prepare(phases)

    def _start(self) -> SuiteSession:
        from conformance.suite.options import SuiteOptions
        from conformance.suite.slices import SuiteSession
        from conformance.suite.target import target_from

        options = self.options
        assert options is not None
        if options.target:
            target = target_from(options.target, options.values, os.environ)
            rate: float | None = options.rate_limit
        else:
            target = self.pool.target(options.faults)
            rate = None
        if options.out is not None:
            out = options.out / self.worker if self.worker != "main" else options.out
        else:
            self._tmp = tempfile.mkdtemp(prefix="sinch-conformance-")
            out = Path(self._tmp)
        suite = SuiteSession(SuiteOptions(
            target=target, out=out, seed=self.seed, rate_limit=rate,
            max_examples=options.max_examples, readonly=options.readonly,
            phases=options.phases, probes=options.probes, selection=options.selection,
            operations=options.operations, run_id=f"pytest-{self.seed}-{self.worker}"))
        try:
            suite.start()
        except BaseException:
            suite.close()
            raise
        return suite

    def secrets(self) -> tuple[str, ...]:
        """Every secret this session knows of (to keep out of what it shows)."""
        found = self.pool.secrets()
        return found + (self._suite.secrets if self._suite is not None else ())

    def close(self) -> None:
        """Clean up after the suite (delete what it created), stop every emulator."""
        try:
            if self._suite is not None:
                self._suite.close()
        finally:
            self.pool.stop()
            if self._tmp is not None:
                shutil.rmtree(self._tmp, ignore_errors=True)


STATE = pytest.StashKey[PluginState]()
