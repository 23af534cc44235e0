"""Which operations each probe calls: with operation filters (``--include-*``) a probe runs
when one of them is selected, and with ``--shard`` it runs in the shard holding most of
them. ``tests/test_selection_suite.py`` holds this table to what the probes really call."""

from __future__ import annotations

from conformance.contract import Contract

__all__ = ["ALL_OPERATIONS", "PROBE_OPERATIONS"]

# probe -> the operations it calls (tests/test_selection_suite.py holds this to what they
# call). With operation filters a probe runs when one of them is selected.
ALL_OPERATIONS = frozenset(op.operation_id for op in Contract.default().operations.values())
PROBE_OPERATIONS: dict[str, frozenset[str]] = {
    "auth_enforced": frozenset({"App_ListApps"}),
    "expired_token": frozenset({"App_ListApps"}),
    "inputs": frozenset({"Contact_CreateContact"}),
    "pagination": frozenset({
        "App_CreateApp", "App_DeleteApp", "Contact_CreateContact",
        "Contact_DeleteContact", "Contact_ListContacts",
        "Conversation_CreateConversation", "Conversation_DeleteConversation",
        "Conversation_InjectMessage", "Conversation_ListConversations",
        "Messages_ListMessages"}),
    "lifecycle": ALL_OPERATIONS,  # every operation of the spec
    # conformance/suite/probes_identity.py and probes_pages.py (edges)
    "identity": frozenset({
        "App_CreateApp", "App_DeleteApp", "App_GetApp", "App_ListApps",
        "Contact_CreateContact", "Contact_DeleteContact", "Contact_GetContact",
        "Contact_ListContacts", "Conversation_CreateConversation",
        "Conversation_DeleteConversation", "Conversation_GetConversation",
        "Conversation_InjectMessage", "Conversation_ListConversations",
        "Messages_GetMessage", "Messages_ListMessages", "Webhooks_CreateWebhook",
        "Webhooks_DeleteWebhook", "Webhooks_GetWebhook", "Webhooks_ListWebhooks"}),
    "edges": frozenset({
        "App_CreateApp", "App_DeleteApp", "App_ListApps", "App_UpdateApp",
        "Contact_CreateContact", "Contact_DeleteContact", "Contact_ListContacts",
        "Contact_UpdateContact", "Conversation_ListConversations",
        "Messages_ListMessages", "Messages_SendMessage", "Webhooks_CreateWebhook",
        "Webhooks_ListWebhooks"}),
    # conformance/suite/probes_access.py
    "wrong_credentials": frozenset({"App_ListApps"}),
    "foreign_project": frozenset({
        "App_CreateApp", "App_DeleteApp", "App_GetApp", "App_ListApps", "App_UpdateApp",
        "Contact_ListContacts", "Webhooks_CreateWebhook", "Webhooks_DeleteWebhook",
        "Webhooks_GetWebhook"}),
    "resource_hierarchy": frozenset({
        "App_CreateApp", "App_DeleteApp", "Webhooks_CreateWebhook", "Webhooks_DeleteWebhook",
        "Webhooks_ListWebhooks"}),
    "failed_create": frozenset({
        "App_CreateApp", "App_DeleteApp", "App_ListApps", "Webhooks_CreateWebhook",
        "Webhooks_ListWebhooks"}),
    "garbled_ids": frozenset({
        "App_DeleteApp", "App_GetApp", "App_UpdateApp", "Contact_DeleteContact",
        "Contact_GetContact", "Contact_MergeContact", "Contact_UpdateContact",
        "Conversation_DeleteConversation", "Conversation_GetConversation",
        "Conversation_InjectMessage", "Conversation_StopActiveConversation",
        "Conversation_UpdateConversation", "Messages_DeleteMessage", "Messages_GetMessage",
        "Webhooks_DeleteWebhook", "Webhooks_GetWebhook", "Webhooks_ListWebhooks",
        "Webhooks_UpdateWebhook"}),
    # conformance/suite/prose/ (the mutating ones create and read marker contacts too)
    "prose_conversations": frozenset({
        "App_CreateApp", "App_DeleteApp", "Contact_CreateContact",
        "Contact_DeleteContact", "Contact_GetContact",
        "Conversation_CreateConversation", "Conversation_DeleteConversation",
        "Conversation_GetConversation", "Conversation_InjectMessage",
        "Conversation_ListConversations", "Conversation_StopActiveConversation",
        "Conversation_UpdateConversation", "Messages_DeleteMessage",
        "Messages_GetMessage", "Messages_ListMessages", "Messages_SendMessage"}),
    "prose_contacts": frozenset({
        "App_CreateApp", "App_DeleteApp", "Contact_CreateContact",
        "Contact_DeleteContact", "Contact_GetContact", "Contact_ListContacts",
        "Contact_MergeContact", "Contact_UpdateContact", "Conversation_GetConversation",
        "Conversation_StopActiveConversation", "Messages_GetMessage",
        "Messages_SendMessage"}),
    "prose_apps": frozenset({
        "App_CreateApp", "App_DeleteApp", "Capability_QueryCapability",
        "Contact_CreateContact", "Contact_DeleteContact", "Contact_GetContact",
        "Messages_GetMessage", "Messages_SendMessage", "OptIn_RegisterOptIn",
        "OptIn_RegisterOptOut", "Transcoding_TranscodeMessage",
        "Webhooks_CreateWebhook", "Webhooks_DeleteWebhook"}),
    "prose_inputs": frozenset({
        "App_CreateApp", "App_DeleteApp", "App_UpdateApp", "Capability_QueryCapability",
        "Contact_CreateContact", "Contact_DeleteContact", "Contact_GetContact",
        "Contact_UpdateContact", "Conversation_CreateConversation",
        "Conversation_InjectMessage", "Conversation_UpdateConversation",
        "Events_SendEvent", "Messages_SendMessage", "OptIn_RegisterOptIn",
        "OptIn_RegisterOptOut", "Transcoding_TranscodeMessage",
        "Webhooks_CreateWebhook"}),
    "prose_pages": frozenset({
        "Contact_ListContacts"}),
}
