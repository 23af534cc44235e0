"""Start and stop ``mitmdump`` with the sinch_validator add-on as a child process.

Used by ``sinch-conformance proxy``, the tests and the benchmark. The child runs with the
interpreter of this process (so the venv's mitmproxy and this package are the ones
used), listens on loopback by default, and is stopped by its own PID.
"""

from __future__ import annotations

import importlib.util
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from conformance.processes import stop_process

__all__ = ["ADDON_PATH", "COMMANDS", "Mitmdump", "free_port", "lean_master_args", "mitmdump_args",
           "mitmdump_command", "port_in_use", "wait_for_port"]


def _addon_path() -> Path:
    """The add-on script: installed with the package, or beside it in a source checkout
    (an editable install made before ``proxy_addons`` existed does not map it)."""
    try:
        spec = importlib.util.find_spec("proxy_addons.sinch_validator")
    except ModuleNotFoundError:
        spec = None
    if spec is None or spec.origin is None:
        return Path(__file__).resolve().parents[2] / "proxy_addons" / "sinch_validator.py"
    return Path(spec.origin)


ADDON_PATH = _addon_path()


def mitmdump_command() -> list[str]:
    """How to run mitmdump from this interpreter's environment."""
    script = Path(sys.executable).parent / "mitmdump"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c",
            "import sys; from mitmproxy.tools.main import mitmdump; sys.exit(mitmdump())"]


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host or "0.0.0.0", port))
        except OSError:
            return True
    return False


def wait_for_port(host: str, port: int, timeout: float,
                  proc: subprocess.Popen[Any] | None = None) -> bool:
    """True once something accepts connections on host:port; False on timeout or when
    ``proc`` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with socket.create_connection((host or "127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _set_options(options: Mapping[str, object] | None) -> list[str]:
    args: list[str] = []
    for name, value in (options or {}).items():
        text = str(value).lower() if isinstance(value, bool) else str(value)
        args += ["--set", f"{name}={text}"]
    return args


def mitmdump_args(*, mode: str, listen_host: str, listen_port: int, addon: bool = True,
                  options: Mapping[str, object] | None = None,
                  extra: Sequence[str] = ()) -> list[str]:
    """Command line for mitmdump; ``options`` become ``--set name=value``."""
    args = [*mitmdump_command(), "--mode", mode, "--listen-host", listen_host,
            "--listen-port", str(listen_port), "--set", "flow_detail=0"]
    if addon:
        args += ["-s", str(ADDON_PATH)]
    return args + _set_options(options) + list(extra)


def lean_master_args(*, mode: str, listen_host: str, listen_port: int, addon: bool = True,
                     options: Mapping[str, object] | None = None,
                     extra: Sequence[str] = ()) -> list[str]:
    """Command line for :mod:`conformance.proxy.lean_master` (mitmproxy with only the
    add-ons a validating proxy needs); same arguments as :func:`mitmdump_args`."""
    args = [sys.executable, "-m", "conformance.proxy.lean_master", "--mode", mode,
            "--listen-host", listen_host, "--listen-port", str(listen_port)]
    if not addon:
        args.append("--no-addon")
    return args + _set_options(options) + list(extra)


# the two ways to run the add-on, by name: ``COMMANDS[name](mode=..., ...)``
COMMANDS: dict[str, Callable[..., list[str]]] = {"lean": lean_master_args,
                                                 "mitmdump": mitmdump_args}


class Mitmdump:
    """A mitmdump child process; ``with Mitmdump(args, port) as m:`` waits until it
    listens and stops it (SIGTERM, then SIGKILL) by PID on exit."""

    def __init__(self, args: Sequence[str], port: int, host: str = "127.0.0.1",
                 stdout: IO[Any] | int | None = None, stderr: IO[Any] | int | None = None,
                 env: Mapping[str, str] | None = None) -> None:
        self.args, self.port, self.host = list(args), port, host
        self._stdout, self._stderr = stdout, stderr
        self._env = dict(env) if env is not None else None
        self.proc: subprocess.Popen[Any] | None = None

    def start(self, timeout: float = 30.0) -> Mitmdump:
        self.proc = subprocess.Popen(self.args, stdout=self._stdout, stderr=self._stderr,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env=self._env)
        if not wait_for_port(self.host, self.port, timeout, self.proc):
            code = self.stop()
            raise RuntimeError(f"mitmdump did not listen on {self.host}:{self.port} "
                               f"(exit code {code})")
        return self

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM (mitmproxy runs its done() hooks), SIGKILL after ``timeout``."""
        proc = self.proc
        if proc is None:
            return None
        return stop_process(proc, signal.SIGTERM, timeout)

    def __enter__(self) -> Mitmdump:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
