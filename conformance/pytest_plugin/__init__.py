"""The pytest plugin (entry point ``pytest11``: ``sinch_conformance``).

``pytest --sinch-emulator`` or ``pytest --sinch-target URL`` collects the conformance suite
as pytest items (one per operation and phase, the stateful run, one per probe); without
either flag the plugin adds no item. Its fixtures (``sinch_contract``, ``sinch_check``,
``sinch_emulator``) serve a team's own tests.

* :mod:`.options`: the ``--sinch-*`` options, markers and seed;
* :mod:`.emulators`: the bundled emulators of a session, one per set of faults;
* :mod:`.state`: what a session (an xdist worker) shares, started on first use;
* :mod:`.items`: the items and their failure text;
* :mod:`.fixtures`: the fixtures for a team's tests;
* :mod:`.allure_results`: our labels, attachments and categories on allure-pytest's results;
* :mod:`.plugin`: the hooks.
"""
