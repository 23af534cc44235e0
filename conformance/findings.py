"""The one record every producer writes: a :class:`Finding`.

Suite, proxy, offline replay and spec lint all describe what they saw with this frozen
dataclass, serialised as one JSON object per line (see :mod:`conformance.findings_io`).
The fingerprint is the key for dedup, baselines and trends. This module imports nothing
of ours but :mod:`conformance.redact` and :mod:`conformance.kinds` (whose names it hands on).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from conformance.kinds import CATEGORIES, DRIFT_KINDS, KIND_INFO, Kind, Severity, Source
from conformance.redact import redact_evidence, redact_text

__all__ = [
    "CATEGORIES",
    "DRIFT_KINDS",
    "Finding",
    "Kind",
    "Severity",
    "Source",
    "encode_evidence",
    "fingerprint",
    "json_pointer",
]


def json_pointer(parts: Iterable[str | int]) -> str:
    """RFC 6901 pointer from path parts: ``["a/b", 0]`` -> ``"/a~1b/0"``; ``[]`` -> ``""``."""
    out = []
    for part in parts:
        text = part if type(part) is str else str(part)
        if "~" in text or "/" in text:
            text = text.replace("~", "~0").replace("/", "~1")
        out.append(text)
    return "/" + "/".join(out) if out else ""


_COMPACT = json.JSONEncoder(separators=(",", ":"))  # json.dumps(..., separators=...) builds one


@functools.lru_cache(maxsize=8192)  # traffic repeats its findings; the key is pure
def fingerprint(
    kind: str,
    operation_id: str | None,
    status: int | None,
    location: str,
    schema_path: str,
    *,
    method: str | None = None,
    path_template: str | None = None,
) -> str:
    """Stable 16-hex-digit key of (kind, operation, status, location, schema_path).

    The operation is ``operation_id``; when that is unknown (unmatched request) it is
    ``"METHOD path_template"`` so distinct undocumented operations do not collapse.
    """
    operation = operation_id or f"{(method or '').upper()} {path_template or ''}".strip()
    key = _COMPACT.encode(
        [str(kind), operation, "" if status is None else int(status), location, schema_path])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def utc_now() -> str:
    """Now, as the ISO 8601 UTC text a Finding carries (millisecond precision)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclasses.dataclass(frozen=True)
class Finding:
    """One observed contract problem. Build it with :meth:`Finding.make`."""

    fingerprint: str
    source: str
    kind: Kind
    severity: Severity
    operation_id: str | None
    method: str | None
    path_template: str | None
    status: int | None
    location: str
    instance_path: str
    schema_path: str
    message: str
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict, hash=False)
    target: str | None = None
    run_id: str | None = None
    timestamp: str = ""

    @classmethod
    def make(
        cls,
        kind: Kind | str,
        *,
        source: Source | str,
        message: str,
        operation_id: str | None = None,
        method: str | None = None,
        path_template: str | None = None,
        status: int | None = None,
        location: str = "",
        instance_path: str = "",
        schema_path: str = "",
        evidence: Mapping[str, Any] | None = None,
        severity: Severity | str | None = None,
        target: str | None = None,
        run_id: str | None = None,
        timestamp: str | None = None,
        secrets: Iterable[str] = (),
    ) -> Finding:
        """Build a Finding: fingerprint, default severity, timestamp, redacted evidence.

        ``secrets`` are literal values (key secret, tokens) to scrub from evidence and
        message on top of the name-based rules of :mod:`conformance.redact`.
        """
        kind = kind if isinstance(kind, Kind) else Kind(kind)
        if not source:
            raise ValueError("a finding needs a source (suite, proxy, replay or lint)")
        known = tuple(secrets)
        return cls(
            fingerprint=fingerprint(kind, operation_id, status, location, schema_path,
                                    method=method, path_template=path_template),
            source=str(source),
            kind=kind,
            severity=Severity(severity) if severity else KIND_INFO[kind][2],
            operation_id=operation_id,
            method=method.upper() if method else None,
            path_template=path_template,
            status=status,
            location=location,
            instance_path=instance_path,
            schema_path=schema_path,
            message=redact_text(message, known) if known else message,
            evidence=redact_evidence(dict(evidence), known) if evidence else {},
            target=target,
            run_id=run_id,
            timestamp=timestamp or utc_now(),
        )

    @property
    def title(self) -> str:
        """Noun phrase for report headings, e.g. ``"Undocumented HTTP status code"``."""
        return KIND_INFO[self.kind][0]

    @property
    def category(self) -> str:
        """One of :data:`CATEGORIES`, for grouping in reports."""
        return KIND_INFO[self.kind][1]

    @property
    def is_drift(self) -> bool:
        return self.kind in DRIFT_KINDS

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict with exactly the record's fields (no derived ones). The
        evidence is the finding's own (not a copy: ``dataclasses.asdict`` deep-copied it
        for every finding, which cost more than checking the flow); do not change it."""
        data = {name: getattr(self, name) for name in _FIELD_NAMES}
        data["kind"] = str(self.kind)
        data["severity"] = str(self.severity)
        return data

    def to_json(self, evidence_json: str | None = None) -> str:
        """One line of JSON (no newline inside), keys in field order.

        The findings of one flow share one evidence dict (request, response, curl), often
        the largest part of the line: a writer passes it already encoded
        (:func:`encode_evidence`) to encode it once for all of them."""
        data = self.to_dict()
        data["evidence"] = _EVIDENCE_SLOT
        encoded = encode_evidence(self.evidence) if evidence_json is None else evidence_json
        text = _LINE.encode(data).replace(_EVIDENCE_SLOT_JSON, '"evidence":' + encoded, 1)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate from the traffic: keep it, escaped
            text = json.dumps(self.to_dict(), separators=(",", ":"), default=str)
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        """Inverse of :meth:`to_dict`. Unknown keys are ignored; a missing one is an error."""
        names = [f.name for f in dataclasses.fields(cls)]
        required = [f.name for f in dataclasses.fields(cls)
                    if f.default is dataclasses.MISSING
                    and f.default_factory is dataclasses.MISSING]
        missing = [n for n in required if n not in data]
        if missing:
            raise ValueError(f"finding is missing field(s): {', '.join(missing)}")
        values = {n: data[n] for n in names if n in data}
        values["kind"] = Kind(values["kind"])
        values["severity"] = Severity(values["severity"])
        if values.get("status") is not None:
            values["status"] = int(values["status"])
        values["evidence"] = dict(values.get("evidence") or {})
        return cls(**values)

    @classmethod
    def from_json(cls, line: str) -> Finding:
        data = json.loads(line)
        if not isinstance(data, dict):
            raise ValueError("a finding must be a JSON object")
        return cls.from_dict(data)

    def describe(self) -> str:
        """Human text: title, where, message and (when present) the curl line."""
        where = self.operation_id or f"{self.method or '?'} {self.path_template or '?'}"
        lines = [f"{self.title} [{self.severity}] {where}", self.message]
        curl = self.evidence.get("curl")
        if curl:
            lines.append(f"Reproduce with:\n    {curl}")
        return "\n".join(lines)


_FIELD_NAMES = tuple(f.name for f in dataclasses.fields(Finding))
_LINE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
# Stands for the evidence while the rest of a line is encoded. Escaped in JSON as it is, it
# cannot come out of any other field after the key `"evidence":` (a quote in a value is
# escaped), so the first `"evidence":"<slot>"` is the one.
_EVIDENCE_SLOT = "\0evidence\0"
_EVIDENCE_SLOT_JSON = '"evidence":' + _LINE.encode(_EVIDENCE_SLOT)


def encode_evidence(evidence: dict[str, Any]) -> str:
    """The evidence as the JSON :meth:`Finding.to_json` puts in its line."""
    return _LINE.encode(evidence)
