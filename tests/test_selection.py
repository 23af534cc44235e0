"""Operation filters (conformance.selection): Schemathesis' combination rule with globs, and
one clear error for a glob that matches nothing."""

from __future__ import annotations

import argparse

import pytest
from test_cli_tips import flags_named_wrongly

from conformance.contract import Contract
from conformance.errors import UserError
from conformance.selection import OperationFilter, add_filter_arguments

TAGS = {op.operation_id: op.tags for op in Contract.default().operations.values()}


def test_no_filter_selects_everything_and_undocumented_traffic() -> None:
    f = OperationFilter()
    assert not f.active and f.selected(TAGS) == sorted(TAGS)
    assert f.matches(None)


def test_include_values_of_either_kind_add_up() -> None:
    f = OperationFilter(include_tags=("Webhooks",), include_operation_ids=("App_*",))
    assert f.selected(TAGS) == sorted(op for op in TAGS
                                      if op.startswith(("App_", "Webhooks_")))
    several = OperationFilter(include_operation_ids=("App_GetApp", "Contact_GetContact"))
    assert several.selected(TAGS) == ["App_GetApp", "Contact_GetContact"]


def test_exclusion_wins_over_inclusion_and_either_kind_excludes() -> None:
    f = OperationFilter(include_tags=("Contact",), exclude_operation_ids=("*Delete*",))
    chosen = f.selected(TAGS)
    assert "Contact_CreateContact" in chosen and "Contact_DeleteContact" not in chosen
    assert all(TAGS[op] == ("Contact",) for op in chosen)
    only_excludes = OperationFilter(exclude_tags=("Conversation", "Messages"))
    assert len(only_excludes.selected(TAGS)) == len(TAGS) - 11


def test_globs_are_case_sensitive_and_tags_may_hold_spaces() -> None:
    assert OperationFilter(include_operation_ids=("app_*",)).selected(TAGS) == []
    assert OperationFilter(include_tags=("OptIn & *",)).selected(TAGS) == [
        "OptIn_RegisterOptIn", "OptIn_RegisterOptOut"]
    assert OperationFilter(include_operation_ids=("*_Get?ontact",)).selected(TAGS) == [
        "Contact_GetContact"]


def test_undocumented_traffic_is_left_out_by_includes_only() -> None:
    assert not OperationFilter(include_tags=("App",)).matches(None)
    assert OperationFilter(exclude_tags=("App",)).matches(None)


@pytest.mark.parametrize(("flag", "value", "needle"), [
    ("include_operation_ids", "Foo*", "no operation id of the spec matches "
                                      "--include-operation-id 'Foo*'"),
    ("include_tags", "contact", "no tag of the spec matches --include-tag 'contact'"),
    ("exclude_operation_ids", "App_Nope", "--exclude-operation-id 'App_Nope'"),
    ("exclude_tags", "Nope", "--exclude-tag 'Nope'"),
])
def test_a_glob_matching_nothing_is_a_user_error(flag: str, value: str, needle: str) -> None:
    with pytest.raises(UserError) as err:
        OperationFilter(**{flag: (value,)}).check(TAGS)
    assert needle in err.value.message
    assert err.value.tip and not flags_named_wrongly("run", err.value.tip)


def test_case_mistakes_get_a_tip_and_an_empty_selection_is_an_error() -> None:
    with pytest.raises(UserError) as err:
        OperationFilter(include_operation_ids=("contact_*",)).check(TAGS)
    assert "case-sensitive" in err.value.tip and "'Contact_" in err.value.tip
    with pytest.raises(UserError) as err:
        OperationFilter(include_tags=("App",), exclude_operation_ids=("App_*",)).check(TAGS)
    assert "leave no operation" in err.value.message
    assert not flags_named_wrongly("run", err.value.tip)


def test_flags_json_and_description_round_trip() -> None:
    parser = argparse.ArgumentParser()
    add_filter_arguments(parser, "check")
    args = parser.parse_args(["--include-tag", "Contact", "--include-tag", "App",
                              "--exclude-operation-id", "*Delete*"])
    f = OperationFilter.from_args(args)
    assert f == OperationFilter(include_tags=("Contact", "App"),
                                exclude_operation_ids=("*Delete*",))
    assert OperationFilter.from_json(f.to_json()) == f
    assert f.describe() == ("--include-tag 'Contact' --include-tag 'App' "
                            "--exclude-operation-id '*Delete*'")
