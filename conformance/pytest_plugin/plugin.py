"""The pytest plugin's hooks (entry point ``pytest11``: ``sinch_conformance``).

Without ``--sinch-target`` or ``--sinch-emulator`` it only registers its options, markers
and fixtures: a team's own test runs are unchanged. With one of them it appends the suite's
items after collection (before ``-k``, ``-m`` and ``--lf`` select from them), prints the
target and seed in the header, hands the seed to xdist workers, and at the end cleans up
after the suite, stops the emulators it started and writes Allure's ``categories.json``.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from conformance.errors import UserError
from conformance.pytest_plugin.allure_results import operation_labels, write_categories
from conformance.pytest_plugin.fixtures import sinch_check, sinch_contract, sinch_emulator
from conformance.pytest_plugin.items import SinchItem, build_items
from conformance.pytest_plugin.options import (
    MARKERS,
    SEED_KEY,
    add_options,
    plugin_flags,
    plugin_options,
    session_seed,
)
from conformance.pytest_plugin.state import STATE, PluginState

__all__ = ["sinch_check", "sinch_contract", "sinch_emulator"]


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    for name, doc in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {doc}")
    seed = session_seed(config)
    try:
        options = plugin_options(config, seed)
    except UserError as exc:
        text = f"{exc.message}\ntip: {exc.tip}" if exc.tip else exc.message
        raise pytest.UsageError(plugin_flags(text)) from None
    config.stash[STATE] = PluginState(config, options, seed)
    cache = getattr(config, "cache", None)
    if options is not None and cache is not None and not hasattr(config, "workerinput"):
        cache.set(SEED_KEY, seed)  # what --lf reruns with


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: object) -> None:
    """xdist: every worker uses the controller's seed."""
    config = getattr(node, "config", None)
    workerinput = getattr(node, "workerinput", None)
    if config is not None and workerinput is not None and STATE in config.stash:
        workerinput["sinch_seed"] = config.stash[STATE].seed


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash.get(STATE, None)
    if state is None or state.options is None:
        return []
    options = state.options
    where = options.target or "the bundled emulator" + (
        f" with fault(s) {', '.join(options.faults)}" if options.faults else "")
    return [f"sinch-conformance: {where}, seed {state.seed} (reproduce with --sinch-seed "
            f"{state.seed}), max {options.max_examples} examples"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config,
                                  items: list[pytest.Item]) -> None:
    state = config.stash.get(STATE, None)
    if state is None or state.options is None:
        return
    from conformance.contract import Contract
    from conformance.suite.probes import PROBES

    contract = Contract.default()
    options = state.options
    # the config file's operation filters and skips: their items are not collected at all
    chosen = set(options.selection.selected({op_id: op.tags for op_id, op
                                             in contract.operations.items()}))
    operations = [op for op in contract.operations if op in chosen
                  and not (op in options.operations and options.operations[op].skip)]
    probes = [entry.name for entry in PROBES.running_in("suite")]
    items += build_items(session, operations, probes, options.phases, options.probes,
                         operation_labels(contract, operations))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, object, object]:
    """Start what the selected items share before the first one, so its time (and its
    --timeout) is its own: the emulator, the connection check, tokens and schemas. While
    emulators may run, SIGTERM ends the session like Ctrl-C, so they are stopped too."""
    state = session.config.stash.get(STATE, None)
    if state is None or session.config.option.collectonly:
        return (yield)
    phases = {item.phase for item in session.items if isinstance(item, SinchItem)}
    emulators = phases or any("sinch_emulator" in getattr(item, "fixturenames", ())
                              for item in session.items)
    if not emulators:
        return (yield)
    from conformance.suite.connection import sigterm_as_interrupt

    with sigterm_as_interrupt():
        if phases:
            state.prepare(phases)
        return (yield)


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(STATE, None)
    if state is None:
        return
    try:
        state.close()
    finally:
        if state.options is not None:
            write_categories(session.config)
