"""A team's own tests using the plugin's fixtures (the README's worked example).

tests/test_pytest_plugin.py and tests/test_wheel.py copy this file as ``test_team.py`` into
an empty directory and run pytest there: only the installed package is needed.
"""

import pytest
import requests


def session_for(emulator):
    """A requests session authenticated against the emulator (HTTP Basic with its key)."""
    http = requests.Session()
    http.auth = (emulator.key_id, emulator.key_secret)
    return http


def create_contact(emulator, **extra):
    body = {"channel_identities": [{"channel": "SMS", "identity": "+46700000001"}],
            "language": "EN_US", "display_name": "team test", **extra}
    return session_for(emulator).post(emulator.url("/v1/projects/{project_id}/contacts"),
                                      json=body, timeout=10)


def test_contract_lists_the_operations(sinch_contract):
    assert "Contact_CreateContact" in sinch_contract.operations


def test_a_clean_answer_passes(sinch_emulator, sinch_check):
    response = create_contact(sinch_emulator)
    assert response.status_code == 200
    assert sinch_check(response) == []


@pytest.mark.sinch_fault("wrong-type")
def test_a_broken_answer_fails_with_the_finding_and_a_curl_line(sinch_emulator, sinch_check):
    response = create_contact(sinch_emulator)
    with pytest.raises(AssertionError) as failed:
        sinch_check(response)
    text = str(failed.value)
    assert "Response violates schema" in text
    assert "curl -X POST" in text
    assert sinch_emulator.key_secret not in text


def test_a_request_and_response_pair_is_checked_on_both_sides(sinch_emulator, sinch_check):
    response = create_contact(sinch_emulator, display_name=12345)  # the spec says string
    assert response.status_code == 400
    with pytest.raises(AssertionError, match="Request body violates schema"):
        sinch_check(response.request, response)
    assert sinch_check(response.request, response, request=False) == []


def test_drift_fails_only_when_asked(sinch_emulator, sinch_check):
    drifting = sinch_emulator.with_faults("undocumented-field")
    response = create_contact(drifting)
    findings = sinch_check(response)
    assert [f.kind for f in findings] == ["undocumented_field"]
    with pytest.raises(AssertionError, match="correlation_id"):
        sinch_check(response, drift=True)


@pytest.mark.sinch_fault("server-error")
def test_faults_are_per_test(sinch_emulator):
    assert sinch_emulator.faults == ("server-error",)
    assert create_contact(sinch_emulator, display_name="Zoë").status_code == 500


def test_the_next_test_has_a_clean_emulator_again(sinch_emulator):
    assert sinch_emulator.faults == ()
    assert create_contact(sinch_emulator, display_name="Zoë").status_code == 200
