"""The bundled emulators of one pytest session (of one xdist worker): one process per set
of faults, started when first asked for and stopped by its PID when the session ends.

The suite's items (``--sinch-emulator``) and the ``sinch_emulator`` fixture share them: a
test marked ``@pytest.mark.sinch_fault("wrong-type")`` gets the emulator started with
that fault, every other test the clean one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.errors import UserError

if TYPE_CHECKING:
    from conformance.suite.emulator_runner import EmulatorProcess
    from conformance.suite.target import Target

__all__ = ["EmulatorPool", "RunningEmulator"]


@dataclass(frozen=True)
class RunningEmulator:
    """A running bundled emulator: where it listens and its throwaway credentials (the
    ``sinch_emulator`` fixture's value)."""

    base_url: str
    project_id: str
    key_id: str
    key_secret: str = field(repr=False)
    auth: str
    token_url: str
    faults: tuple[str, ...]
    pid: int
    _pool: EmulatorPool = field(repr=False, compare=False)

    def url(self, path: str) -> str:
        """An absolute URL of an API path; ``{project_id}`` is filled in."""
        return self.base_url + path.replace("{project_id}", self.project_id)

    def with_faults(self, *names: str) -> RunningEmulator:
        """The session's emulator with exactly these faults (started once, then reused)."""
        return self._pool.get(tuple(names))

    @property
    def target(self) -> Target:
        return self._pool.target(self.faults)


class EmulatorPool:
    """Emulator processes by fault set; :meth:`stop` ends every one this pool started."""

    def __init__(self, auth: str = "oauth2") -> None:
        self.auth = auth
        self._procs: dict[tuple[str, ...], EmulatorProcess] = {}
        self._targets: dict[tuple[str, ...], Target] = {}

    def target(self, faults: tuple[str, ...] = ()) -> Target:
        """The emulator with these faults, started if it is not running yet."""
        key = tuple(sorted(dict.fromkeys(faults)))
        if key not in self._targets:
            from conformance.emulator.faults import FAULTS
            from conformance.suite.emulator_runner import EmulatorProcess, emulator_credentials

            unknown = [f for f in key if f not in FAULTS]
            if unknown:
                raise UserError(f"unknown emulator fault(s): {', '.join(unknown)}",
                                tip="run 'sinch-conformance emulator --list-faults' for the "
                                    "names to pass with --sinch-fault")
            # tokens live 3 s (the suite's expired-token probe waits for one to expire)
            proc = EmulatorProcess(emulator_credentials(self.auth), key)
            self._procs[key] = proc
            self._targets[key] = proc.start()
        return self._targets[key]

    def get(self, faults: tuple[str, ...] = ()) -> RunningEmulator:
        target = self.target(faults)
        key = tuple(sorted(dict.fromkeys(faults)))
        creds = target.credentials
        proc = self._procs[key]._proc
        return RunningEmulator(target.base_url, creds.project_id, creds.key_id,
                               creds.key_secret, creds.auth, creds.token_url, key,
                               proc.pid if proc is not None else 0, self)

    def secrets(self) -> tuple[str, ...]:
        return tuple(t.credentials.key_secret for t in self._targets.values())

    def stop(self) -> None:
        """Stop every emulator started here, each by its own PID."""
        procs, self._procs, self._targets = self._procs, {}, {}
        for proc in procs.values():
            proc.stop()
