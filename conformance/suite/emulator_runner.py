"""Start the bundled emulator as a subprocess on a free loopback port, stop it by its PID.

The emulator (``python -m conformance.suite.emulator_main --port 0 ...``, which serves
through :func:`conformance.emulator.server.serve`) prints one line with its base URL once it
listens. Throwaway credentials are generated for it and handed over in its environment,
never on its command line: those of the project under test, and those of a second project
the emulator serves too (the access probes use its key against the first project).
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType

from conformance.errors import UserError
from conformance.processes import stop_process
from conformance.suite.target import Credentials, Target

__all__ = ["EmulatorProcess", "emulator_credentials"]

_URL = re.compile(r"\bon (http://\S+)")
START_TIMEOUT = 30.0
TOKEN_TTL = 3  # seconds: short, so the expired-token probe waits little


def emulator_credentials(auth: str = "oauth2") -> Credentials:
    """Fresh throwaway credentials (UUIDs like Sinch's, a random secret)."""
    return Credentials(str(uuid.uuid4()), str(uuid.uuid4()), secrets.token_urlsafe(24),
                       auth, "")


@dataclass
class EmulatorProcess:
    credentials: Credentials
    faults: Sequence[str] = ()
    token_ttl: int = TOKEN_TTL
    second: Credentials | None = field(default_factory=emulator_credentials, repr=False)
    _proc: subprocess.Popen[str] | None = None
    base_url: str = ""

    def start(self) -> Target:
        cmd = [sys.executable, "-m", "conformance.suite.emulator_main", "--host", "127.0.0.1",
               "--port", "0", "--token-ttl", str(self.token_ttl)]
        for fault in self.faults:
            cmd += ["--fault", fault]
        env = {**os.environ, "SINCH_PROJECT_ID": self.credentials.project_id,
               "SINCH_KEY_ID": self.credentials.key_id,
               "SINCH_KEY_SECRET": self.credentials.key_secret, "PYTHONUNBUFFERED": "1"}
        if self.second is not None:
            env.update(SINCH_SECOND_PROJECT_ID=self.second.project_id,
                       SINCH_SECOND_KEY_ID=self.second.key_id,
                       SINCH_SECOND_KEY_SECRET=self.second.key_secret)
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      stdin=subprocess.DEVNULL, text=True, env=env)
        line = self._first_line()
        match = _URL.search(line)
        if match is None:
            err = self._stop_and_read_stderr()
            detail = (err.strip().splitlines() or [line.strip() or "no output"])[-1]
            raise UserError(f"the bundled emulator did not start ({detail})",
                            tip="run 'sinch-conformance emulator' to see why, or pass --target")
        self.base_url = match.group(1).rstrip("/")
        threading.Thread(target=self._drain, daemon=True).start()
        creds = Credentials(self.credentials.project_id, self.credentials.key_id,
                            self.credentials.key_secret, self.credentials.auth,
                            self.base_url + "/oauth2/token")
        second = self.second and Credentials(self.second.project_id, self.second.key_id,
                                              self.second.key_secret, creds.auth,
                                              creds.token_url)
        return Target(self.base_url, creds, name="emulator", second=second or None)

    def _first_line(self) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        stdout = self._proc.stdout
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(START_TIMEOUT)
        return result[0] if result else ""

    def _drain(self) -> None:
        """Keep reading the emulator's output so it never blocks on a full pipe."""
        proc = self._proc
        if proc is None:
            return
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                threading.Thread(target=lambda s=stream: [None for _ in s], daemon=True
                                 ).start()

    def _stop_and_read_stderr(self) -> str:
        self.stop()
        proc = self._proc
        if proc is None or proc.stderr is None:
            return ""
        try:
            return proc.stderr.read() or ""
        except (OSError, ValueError) as exc:  # closed or broken pipe: say so, not nothing
            return f"its stderr could not be read: {exc}"

    def stop(self) -> None:
        """Stop the emulator we started (by its PID): SIGTERM, then SIGKILL."""
        if self._proc is not None:
            stop_process(self._proc, signal.SIGTERM, timeout=5, kill_wait=5)

    def __enter__(self) -> EmulatorProcess:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
