"""The model of the emulator's faults: their names (:class:`FaultName`), the
:class:`Fault` record, and :data:`FAULT_REGISTRY` they are registered in. The catalogue
(every fault's entry) is :mod:`conformance.emulator.faults`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from conformance.emulator.mutate import Mutator
from conformance.findings import Kind
from conformance.registry import Registry

__all__ = ["FAULT_HEADER", "FAULT_REGISTRY", "LONG_VALUE", "PROPOSED_KINDS",
           "READ_LAG_SECONDS", "Fault", "FaultName", "Stage", "register_fault"]

FAULT_HEADER = "x-emulator-fault"
PROPOSED_KINDS: frozenset[str] = frozenset()  # every fault now names a kind of Kind
Stage = Literal["auth", "request", "handler", "response"]
READ_LAG_SECONDS = 0.3  # how far behind the writes the read-lag fault's reads are
LONG_VALUE = 255  # long-value-500: a body string longer than this breaks the server


class FaultName(StrEnum):
    """The name of each fault, as ``--fault`` and ``X-Emulator-Fault`` take it."""

    MISSING_REQUIRED_FIELD = "missing-required-field"
    WRONG_TYPE = "wrong-type"
    NULL_VALUE = "null-value"
    ENUM_OUTSIDE_SPEC = "enum-outside-spec"
    UNDOCUMENTED_FIELD = "undocumented-field"
    BAD_TIMESTAMP = "bad-timestamp"
    UNDOCUMENTED_STATUS = "undocumented-status"
    WRONG_CONTENT_TYPE = "wrong-content-type"
    ERROR_BODY_SHAPE = "error-body-shape"
    SERVER_ERROR = "server-error"
    RATE_LIMITED = "rate-limited"
    AUTH_IGNORED = "auth-ignored"
    EXPIRED_TOKEN_ACCEPTED = "expired-token-accepted"
    INVALID_BODY_ACCEPTED = "invalid-body-accepted"
    VALID_BODY_REJECTED = "valid-body-rejected"
    DELETED_STILL_READABLE = "deleted-still-readable"
    CREATED_NOT_READABLE = "created-not-readable"
    PAGINATION_REPEATS = "pagination-repeats"
    PAGINATION_SKIPS = "pagination-skips"
    PAGE_SIZE_ABOVE_MAX = "page-size-above-max"
    PROJECT_NOT_CHECKED = "project-not-checked"
    FOREIGN_IDS_SERVED = "foreign-ids-served"
    WRONG_SECRET_ACCEPTED = "wrong-secret-accepted"
    FORGED_TOKEN_ACCEPTED = "forged-token-accepted"
    WEBHOOK_ANY_APP = "webhook-any-app"
    FAILED_CREATE_PERSISTS = "failed-create-persists"
    GARBLED_ID_500 = "garbled-id-500"
    READ_LAG = "read-lag"
    UPDATE_NOT_PERSISTED = "update-not-persisted"
    LIST_MISSES_CREATED = "list-misses-created"
    GET_RETURNS_OTHER = "get-returns-other"
    LIST_FILTER_IGNORED = "list-filter-ignored"
    PAGINATION_TOTAL_SIZE_WRONG = "pagination-total-size-wrong"
    PAGINATION_ENDLESS = "pagination-endless"
    LONG_VALUE_500 = "long-value-500"
    # Rules the spec states only in words (conformance/suite/prose/ checks them).
    PROSE_TWO_ACTIVE = "prose-two-active-conversations"
    PROSE_STOP_IGNORED = "prose-stop-ignored"
    PROSE_SEND_IGNORES_ACTIVE = "prose-send-ignores-active"
    PROSE_METADATA_WRONG = "prose-metadata-wrong"
    PROSE_DELETE_CASCADE_WRONG = "prose-delete-cascade-wrong"
    PROSE_MESSAGES_OLDEST_FIRST = "prose-messages-oldest-first"
    PROSE_DEFAULTS_IGNORED = "prose-defaults-ignored"
    PROSE_UPDATE_MASK_IGNORED = "prose-update-mask-ignored"
    PROSE_MERGE_WRONG = "prose-merge-wrong"
    PROSE_PAGE_SIZE_DEFAULT = "prose-page-size-default"
    PROSE_WEBHOOK_LIMIT_IGNORED = "prose-webhook-limit-ignored"
    PROSE_INPUT_RULES_IGNORED = "prose-input-rules-ignored"
    PROSE_REQUEST_OPTIONS_IGNORED = "prose-request-options-ignored"


@dataclass(frozen=True)
class Fault:
    name: FaultName
    summary: str  # one line: what the emulator does when the fault is on
    finding: Kind  # the Finding kind a check should raise
    applies_to: str  # which operations / requests it changes
    stage: Stage
    note: str = ""
    # response stage: damages a conforming 200 body (None: nothing to damage)
    mutator: Mutator | None = field(default=None, compare=False, repr=False)

    def line(self) -> str:
        return f"{self.name:<24} {self.finding:<34} {self.summary}"


FAULT_REGISTRY: Registry[Fault] = Registry("emulator fault")


def register_fault(name: FaultName, finding: Kind, summary: str, applies_to: str, stage: Stage,
           note: str = "", mutator: Mutator | None = None) -> None:
    """Register one fault: its Finding kind is the registry entry's ``kinds``."""
    FAULT_REGISTRY.add(Fault(name, summary, finding, applies_to, stage, note, mutator), name,
                       kinds={finding}, where={"emulator"}, doc=summary)
