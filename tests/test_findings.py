"""Finding: fingerprint, derived fields, serialisation, redaction, and the JSONL store."""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.findings import CATEGORIES, DRIFT_KINDS, Finding, Kind, Severity, json_pointer
from conformance.findings_io import BadLine, FindingsWriter, read_findings

SECRET = "s3cr3t-Key-Value-0123456789"

BASE = dict(
    source="suite",
    message="Received: 418 / Documented: 200, 400",
    operation_id="Messages_SendMessage",
    method="post",
    path_template="/v1/projects/{project_id}/messages:send",
    status=418,
    location="/response/status",
    schema_path="",
)


def make(**overrides: object) -> Finding:
    kwargs = {**BASE, **overrides}
    kind = kwargs.pop("kind", Kind.RESPONSE_STATUS_UNDOCUMENTED)
    return Finding.make(kind, **kwargs)  # type: ignore[arg-type]


def test_record_has_exactly_the_design_fields() -> None:
    assert [f.name for f in dataclasses.fields(Finding)] == [
        "fingerprint", "source", "kind", "severity", "operation_id", "method",
        "path_template", "status", "location", "instance_path", "schema_path", "message",
        "evidence", "target", "run_id", "timestamp",
    ]


def test_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        make().message = "changed"  # type: ignore[misc]


def test_fingerprint_is_stable_and_pinned() -> None:
    a = make(message="one", target="emulator", run_id="r1", timestamp="2024-01-01T00:00:00Z")
    b = make(message="two", target="https://eu.conversation.api.sinch.com", run_id="r2",
             instance_path="/x", evidence={"curl": "curl -X POST x"})
    assert a.fingerprint == b.fingerprint
    assert len(a.fingerprint) == 16 and int(a.fingerprint, 16) >= 0
    # Pinned: changing the hashing scheme silently would invalidate every baseline.
    assert a.fingerprint == "71302e209eda4071"


@pytest.mark.parametrize(
    "change",
    [
        {"kind": Kind.SERVER_ERROR},
        {"operation_id": "Messages_ListMessages"},
        {"status": 500},
        {"status": None},
        {"location": "/response/body"},
        {"schema_path": "/properties/id/type"},
    ],
)
def test_fingerprint_changes_with_each_key_field(change: dict[str, object]) -> None:
    assert make(**change).fingerprint != make().fingerprint


def test_unmatched_operations_do_not_collapse() -> None:
    a = make(kind=Kind.OPERATION_UNDOCUMENTED, operation_id=None, path_template="/v1/a")
    b = make(kind=Kind.OPERATION_UNDOCUMENTED, operation_id=None, path_template="/v1/b")
    assert a.fingerprint != b.fingerprint


def test_every_kind_has_title_category_and_severity() -> None:
    for kind in Kind:
        finding = make(kind=kind)
        assert finding.title and finding.title[0].isupper() and not finding.title.endswith(".")
        assert finding.category in CATEGORIES
        assert isinstance(finding.severity, Severity)
        assert finding.is_drift == (kind in DRIFT_KINDS)


@pytest.mark.parametrize(
    ("kind", "title", "category", "severity"),
    [
        (Kind.RESPONSE_STATUS_UNDOCUMENTED, "Undocumented HTTP status code",
         "undocumented status", "normal"),
        (Kind.RESPONSE_BODY_SCHEMA, "Response violates schema", "schema violation", "critical"),
        (Kind.SERVER_ERROR, "Server error", "server error", "blocker"),
        (Kind.AUTH_IGNORED, "Authentication declared but not enforced", "auth", "blocker"),
        (Kind.USE_AFTER_DELETE, "Resource available after deletion", "stateful", "critical"),
        (Kind.UNDOCUMENTED_FIELD, "Undocumented field", "drift", "minor"),
        (Kind.SPEC_DEFECT, "Specification defect", "spec defect", "normal"),
    ],
)
def test_kind_table(kind: Kind, title: str, category: str, severity: str) -> None:
    finding = make(kind=kind)
    assert (finding.title, finding.category, finding.severity) == (title, category, severity)


def test_drift_kinds() -> None:
    assert make(kind="undocumented_enum_value").is_drift
    assert not make(kind="response_status_undocumented").is_drift


def test_explicit_severity_and_unknown_kind() -> None:
    assert make(severity="trivial").severity is Severity.TRIVIAL
    with pytest.raises(ValueError):
        make(kind="no_such_kind")
    with pytest.raises(ValueError):
        make(source="")


def test_defaults_timestamp_and_method() -> None:
    finding = make()
    assert finding.method == "POST"
    assert finding.timestamp.endswith("Z") and "T" in finding.timestamp


def test_round_trip_dict_and_json() -> None:
    finding = make(evidence={"curl": "curl -X POST https://x"}, target="emulator", run_id="r")
    assert Finding.from_dict(finding.to_dict()) == finding
    line = finding.to_json()
    assert "\n" not in line
    assert json.loads(line)["kind"] == "response_status_undocumented"
    assert Finding.from_json(line) == finding


def test_from_dict_rejects_missing_fields_and_ignores_unknown() -> None:
    data = make().to_dict()
    assert Finding.from_dict({**data, "future_field": 1}) == make(timestamp=data["timestamp"])
    del data["kind"]
    with pytest.raises(ValueError, match="kind"):
        Finding.from_dict(data)


def test_evidence_and_message_are_redacted() -> None:
    finding = make(
        message=f"value {SECRET} is not an integer",
        evidence={
            "request": {
                "headers": {"Authorization": f"Bearer {SECRET}", "Content-Type": "x"},
                "url": f"https://h/v1?access_token={SECRET}&page_size=2",
                "body": {"app": {"channel_credentials": [{"static_token": {"token": "t0k"}}]}},
            },
            "client_secret": "abc123",
            "note": f"seen {SECRET}",
        },
        secrets=[SECRET],
    )
    text = finding.to_json()
    assert SECRET not in text and "t0k" not in text and "abc123" not in text
    assert finding.evidence["request"]["headers"]["Authorization"] == "Bearer ***"
    assert "page_size=2" in finding.evidence["request"]["url"]


def test_describe_mentions_title_message_and_curl() -> None:
    finding = make(evidence={"curl": "curl -X POST https://x"})
    text = finding.describe()
    assert "Undocumented HTTP status code" in text and "Received: 418" in text
    assert "curl -X POST https://x" in text


@pytest.mark.parametrize(
    ("parts", "pointer"),
    [([], ""), (["a", 0, "b"], "/a/0/b"), (["a/b", "c~d"], "/a~1b/c~0d")],
)
def test_json_pointer(parts: list[str | int], pointer: str) -> None:
    assert json_pointer(parts) == pointer


# --- findings_io -------------------------------------------------------------------------


def test_writer_reader_round_trip(tmp_path: Path) -> None:
    findings = [make(status=s) for s in (400, 418, 500)]
    with FindingsWriter(tmp_path / "findings", "proxy") as writer:
        for finding in findings:
            writer.write(finding)
    assert writer.count == 3
    assert writer.path.name.startswith("proxy-") and writer.path.suffix == ".jsonl"
    assert read_findings(tmp_path / "findings") == findings
    assert read_findings(writer.path) == findings


def test_writer_creates_no_file_without_findings(tmp_path: Path) -> None:
    with FindingsWriter(tmp_path, "suite") as writer:
        pass
    assert not writer.path.exists()


def test_reader_skips_and_reports_bad_lines(tmp_path: Path) -> None:
    good = make()
    path = tmp_path / "replay-1-x.jsonl"
    path.write_text(
        good.to_json() + "\n\n" + '{"kind": "nope"}\n' + "[1,2]\n" + good.to_json()[:40],
        encoding="utf-8",
    )
    (tmp_path / "ignored.txt").write_text("not findings")
    bad: list[BadLine] = []
    assert read_findings(tmp_path, bad) == [good]
    assert [b.lineno for b in bad] == [3, 4, 5]
    assert all(b.path == path for b in bad)
    assert str(bad[0]).startswith(f"{path}:3: ")


def test_reader_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_findings(tmp_path / "missing")


def test_writer_is_thread_safe(tmp_path: Path) -> None:
    writer = FindingsWriter(tmp_path, "suite")

    def work(n: int) -> None:
        for i in range(50):
            writer.write(make(status=n * 1000 + i))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    writer.close()
    bad: list[BadLine] = []
    assert len(read_findings(tmp_path, bad)) == 200 and not bad


TRICKY_TEXT = st.lists(st.sampled_from(
    ['"', "\\", "\0", "evidence", '"evidence":', "\0evidence\0", ":", "{", "é", "\u2028",
     "\ud83d", "a", " "]), max_size=12).map("".join)


@settings(max_examples=150, deadline=None)
@given(messages=st.lists(TRICKY_TEXT, min_size=1, max_size=4), shared=st.booleans(),
       body=TRICKY_TEXT)
def test_to_json_is_the_plain_encoding_when_findings_share_or_alternate_evidence(
        messages: list[str], shared: bool, body: str) -> None:
    evidence = {"request": {"body": body, "url": "https://x.example/" + body},
                "curl": f"curl -d '{body}'"}
    findings = [
        dataclasses.replace(make(message=m), evidence=evidence if shared or i % 2
                            else {"other": m, "evidence": body})
        for i, m in enumerate(messages)]
    for finding in findings + findings[::-1]:
        line = finding.to_json()
        assert "\n" not in line
        decoded = json.loads(line)
        assert list(decoded) == [f.name for f in dataclasses.fields(Finding)]
        plain = json.loads(json.dumps(finding.to_dict(), separators=(",", ":"), default=str))
        assert decoded == plain
