"""The state a request sees under the two faults that separate a write from later reads.

* ``read-lag``: reads see the project as it was :data:`READ_LAG_SECONDS` ago, like a replica
  behind the primary. Each write made with the fault on keeps a copy of the state after it
  (and, the first time, of the state before it); a GET is served from the newest copy at
  least that old. Copies older than the one a read would use are dropped.
* ``update-not-persisted``: an update runs on a copy of the state, so its answer shows the
  change and nothing is stored.

Both copy the whole project state, which is cheap for the small states of a test run and is
only done while the fault is on.
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable

from conformance.emulator.faults import READ_LAG_SECONDS, FaultName
from conformance.emulator.state import ProjectState

__all__ = ["Views"]


class Views:
    """Per project, the copies ``read-lag`` serves reads from."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._history: dict[str, list[tuple[float, ProjectState]]] = {}
        self._now = now

    def before(self, project_id: str, state: ProjectState, method: str,
               faults: frozenset[str]) -> ProjectState:
        """The state the handler of this request works on."""
        if method == "GET" and FaultName.READ_LAG in faults:
            return self._lagged(project_id, state)
        if method == "PATCH" and FaultName.UPDATE_NOT_PERSISTED in faults:
            return copy.deepcopy(state)
        if method != "GET" and FaultName.READ_LAG in faults and project_id not in self._history:
            self._history[project_id] = [(-math.inf, copy.deepcopy(state))]
        return state

    def after(self, project_id: str, state: ProjectState, method: str,
              faults: frozenset[str]) -> None:
        """Remember the state after a write made with ``read-lag`` on."""
        if method != "GET" and FaultName.READ_LAG in faults:
            history = self._history.setdefault(project_id, [])
            history.append((self._now(), copy.deepcopy(state)))
            self._prune(history)

    def _prune(self, history: list[tuple[float, ProjectState]]) -> None:
        """Drop the copies older than the newest one a read may see (it becomes the first)."""
        cutoff = self._now() - READ_LAG_SECONDS
        visible = max((i for i, (at, _) in enumerate(history) if at <= cutoff), default=0)
        del history[:visible]

    def _lagged(self, project_id: str, state: ProjectState) -> ProjectState:
        history = self._history.get(project_id)
        if not history:
            return state
        self._prune(history)
        if len(history) == 1 and history[0][0] <= self._now() - READ_LAG_SECONDS:
            return state  # every write is old enough: the replica has caught up
        return history[0][1]
