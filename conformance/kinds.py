"""The vocabulary of findings: where one comes from (:class:`Source`), how bad it is
(:class:`Severity`, Allure's), and what it is (:class:`Kind`), with each kind's title,
category and default severity. Imports nothing of ours."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CATEGORIES", "DRIFT_KINDS", "KIND_INFO", "Kind", "Severity", "Source"]


class Source(StrEnum):
    SUITE = "suite"
    PROXY = "proxy"
    REPLAY = "replay"
    LINT = "lint"


class Severity(StrEnum):
    """Allure's severities, most severe first."""

    BLOCKER = "blocker"
    CRITICAL = "critical"
    NORMAL = "normal"
    MINOR = "minor"
    TRIVIAL = "trivial"


class Kind(StrEnum):
    # Violations: the message or the API does not do what the spec says.
    REQUEST_BODY_SCHEMA = "request_body_schema"
    REQUEST_PARAM = "request_param"
    REQUEST_CONTENT_TYPE = "request_content_type"
    RESPONSE_BODY_SCHEMA = "response_body_schema"
    RESPONSE_STATUS_UNDOCUMENTED = "response_status_undocumented"
    RESPONSE_CONTENT_TYPE = "response_content_type"
    OPERATION_UNDOCUMENTED = "operation_undocumented"
    SERVER_ERROR = "server_error"
    AUTH_IGNORED = "auth_ignored"
    NEGATIVE_DATA_ACCEPTED = "negative_data_accepted"
    POSITIVE_DATA_REJECTED = "positive_data_rejected"
    USE_AFTER_DELETE = "use_after_delete"
    READONLY_IN_REQUEST = "readonly_in_request"
    RESOURCE_UNAVAILABLE_AFTER_CREATE = "resource_unavailable_after_create"
    PAGINATION_INCONSISTENT = "pagination_inconsistent"
    SPEC_DEFECT = "spec_defect"
    READ_YOUR_WRITES_VIOLATED = "read_your_writes_violated"
    IDENTITY_MISMATCH = "identity_mismatch"
    LIST_FILTER_IGNORED = "list_filter_ignored"
    EDGE_VALUE_SERVER_ERROR = "edge_value_server_error"
    # Drift: traffic shows something the spec does not describe (allowed, but undocumented).
    UNDOCUMENTED_FIELD = "undocumented_field"
    UNDOCUMENTED_ENUM_VALUE = "undocumented_enum_value"
    UNDOCUMENTED_QUERY_PARAM = "undocumented_query_param"
    UNDOCUMENTED_STATUS = "undocumented_status"
    # Not checked: our validator failed, or the body could not be validated.
    VALIDATION_ERROR = "validation_error"
    BODY_SKIPPED = "body_skipped"
    # Access and resource integrity (violations, found by the suite's access probes).
    CROSS_PROJECT_ACCESS = "cross_project_access"
    WRONG_CREDENTIALS_ACCEPTED = "wrong_credentials_accepted"
    CHILD_VIA_WRONG_PARENT = "child_via_wrong_parent"
    FAILED_CREATE_LEFT_RESOURCE = "failed_create_left_resource"
    INVALID_ID_NOT_REJECTED = "invalid_id_not_rejected"
    # Violations of a rule the spec states only in words (the finding quotes the sentence).
    PROSE_RULE_VIOLATED = "prose_rule_violated"


DRIFT_KINDS = frozenset(
    {Kind.UNDOCUMENTED_FIELD, Kind.UNDOCUMENTED_ENUM_VALUE, Kind.UNDOCUMENTED_QUERY_PARAM,
     Kind.UNDOCUMENTED_STATUS, Kind.OPERATION_UNDOCUMENTED}
)

# kind -> (title, category, default severity)
KIND_INFO: dict[Kind, tuple[str, str, Severity]] = {
    Kind.REQUEST_BODY_SCHEMA: ("Request body violates schema", "schema violation",
                               Severity.CRITICAL),
    Kind.REQUEST_PARAM: ("Invalid request parameter", "schema violation", Severity.NORMAL),
    Kind.REQUEST_CONTENT_TYPE: ("Undocumented request content type", "schema violation",
                                Severity.NORMAL),
    Kind.RESPONSE_BODY_SCHEMA: ("Response violates schema", "schema violation",
                                Severity.CRITICAL),
    Kind.RESPONSE_STATUS_UNDOCUMENTED: ("Undocumented HTTP status code", "undocumented status",
                                        Severity.NORMAL),
    Kind.RESPONSE_CONTENT_TYPE: ("Undocumented response content type", "schema violation",
                                 Severity.CRITICAL),
    Kind.OPERATION_UNDOCUMENTED: ("Undocumented operation", "drift", Severity.MINOR),
    Kind.SERVER_ERROR: ("Server error", "server error", Severity.BLOCKER),
    Kind.AUTH_IGNORED: ("Authentication declared but not enforced", "auth", Severity.BLOCKER),
    Kind.NEGATIVE_DATA_ACCEPTED: ("API accepted schema-violating request", "schema violation",
                                  Severity.NORMAL),
    Kind.POSITIVE_DATA_REJECTED: ("API rejected schema-compliant request", "schema violation",
                                  Severity.CRITICAL),
    Kind.USE_AFTER_DELETE: ("Resource available after deletion", "stateful", Severity.CRITICAL),
    Kind.READONLY_IN_REQUEST: ("Read-only property in request", "schema violation",
                               Severity.NORMAL),
    Kind.RESOURCE_UNAVAILABLE_AFTER_CREATE: ("Created resource not available", "stateful",
                                             Severity.CRITICAL),
    Kind.PAGINATION_INCONSISTENT: ("Pagination repeats or skips items", "stateful",
                                   Severity.NORMAL),
    Kind.SPEC_DEFECT: ("Specification defect", "spec defect", Severity.NORMAL),
    Kind.UNDOCUMENTED_FIELD: ("Undocumented field", "drift", Severity.MINOR),
    Kind.UNDOCUMENTED_ENUM_VALUE: ("Undocumented enum value", "drift", Severity.MINOR),
    Kind.UNDOCUMENTED_QUERY_PARAM: ("Undocumented query parameter", "drift", Severity.MINOR),
    Kind.UNDOCUMENTED_STATUS: ("Undocumented status code in traffic", "drift", Severity.MINOR),
    Kind.VALIDATION_ERROR: ("Validator failure", "not checked", Severity.NORMAL),
    Kind.BODY_SKIPPED: ("Body not validated", "not checked", Severity.TRIVIAL),
    Kind.CROSS_PROJECT_ACCESS: ("Another project's resources reachable", "auth",
                                Severity.BLOCKER),
    Kind.WRONG_CREDENTIALS_ACCEPTED: ("Wrong credentials accepted", "auth", Severity.BLOCKER),
    Kind.CHILD_VIA_WRONG_PARENT: ("Child resource reachable through another parent", "auth",
                                  Severity.CRITICAL),
    Kind.FAILED_CREATE_LEFT_RESOURCE: ("Failed create left a resource behind", "stateful",
                                       Severity.CRITICAL),
    Kind.INVALID_ID_NOT_REJECTED: ("Garbled or unknown id not answered 4xx", "stateful",
                                   Severity.NORMAL),
    Kind.READ_YOUR_WRITES_VIOLATED: ("Reads disagree with a successful write", "stateful",
                                     Severity.CRITICAL),
    Kind.IDENTITY_MISMATCH: ("Read returns another resource than asked for", "stateful",
                             Severity.BLOCKER),
    Kind.LIST_FILTER_IGNORED: ("List ignores a documented filter", "stateful",
                               Severity.CRITICAL),
    Kind.EDGE_VALUE_SERVER_ERROR: ("Edge value breaks the server", "server error",
                                   Severity.CRITICAL),
    Kind.PROSE_RULE_VIOLATED: ("Rule stated in the spec's prose broken", "prose rule",
                               Severity.NORMAL),
}
CATEGORIES = (
    "schema violation", "undocumented status", "drift", "server error", "auth", "stateful",
    "spec defect", "not checked", "prose rule",
)
