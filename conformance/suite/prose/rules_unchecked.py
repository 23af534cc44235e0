"""Rules the prose states that no check of this suite holds, each with the reason: they
need callbacks, a channel, a template, days of waiting, or they bind only the client; and
the few that are checkable but not checked yet ("not-done")."""

from __future__ import annotations

from conformance.findings import json_pointer
from conformance.suite.prose.model import ProseRule, Status, op, param, schema

__all__ = ["UNCHECKED"]

_CALLBACKS = ("needs callbacks: the suite has no public endpoint a real account could call, "
              "and the emulator sends none")
_DELIVERY = ("about delivery on a channel: failover to the next channel (which a real "
             "account's test identities cause) hides the order tried, and the suite sees no "
             "channel")
_TEMPLATE = "needs a template in the account's template store"
_DAYS = "needs days: retention is counted in days and its cleanup runs once a day"
_CLIENT = ("binds the client and does not say what the server does otherwise: refuse, or "
           "list the whole project (the emulator lists the project, and the suite's cleanup "
           "and tests read lists that way)")
_CODES = "describes an error code of a delivery callback"
_SEND_META = schema("SendMessageRequest", "properties", "conversation_metadata")


def _u(id: str, pointer: str, sentence: str, why: str, operation: str = "",
       status: Status = "uncheckable", check: str = "") -> ProseRule:
    return ProseRule(id, pointer, sentence, operation, status, check, (), why)


UNCHECKED: tuple[ProseRule, ...] = (
    # ---------------------------------------------------------------- callbacks
    _u("capability-callback", op("/capability:query", "post"), "Capability check is then "
       "delivered as a callback to registered webhooks with trigger CAPABILITY for every "
       "reachable channel.", _CALLBACKS, "Capability_QueryCapability"),
    _u("optin-callback", op("/optins:register", "post"), "All changes of the actual opt-in "
       "status are then delivered as callbacks to registered webhooks with trigger OPT_IN.",
       _CALLBACKS, "OptIn_RegisterOptIn"),
    _u("optout-callback", op("/optouts:register", "post"), "All changes of the actual opt-out "
       "status are then delivered as callbacks to registered webhooks with trigger OPT_OUT.",
       _CALLBACKS, "OptIn_RegisterOptOut"),
    _u("event-queued", op("/events:send", "post"), "Note that this operation enqueues the "
       "event in a queues so a successful response only indicates that the event has been "
       "queued.", "says what a 200 does not promise: nothing to hold the API to",
       "Events_SendEvent"),
    _u("mo-callback-metadata", _SEND_META, "Note that the MO callback will always use the "
       "last metadata available in the conversation.", _CALLBACKS, "Messages_SendMessage"),
    _u("conversation-metadata-inbound", _SEND_META, "Currently only returned in the "
       "`message_metadata` field of an [Inbound Message](/docs/conversation/callbacks/"
       "#inbound-message) callback.", _CALLBACKS, "Messages_SendMessage"),
    _u("message-metadata-receipt", schema("SendMessageRequest", "properties",
                                          "message_metadata"),
       "Returned in the `metadata` field of a [Message Delivery Receipt](https://developers."
       "sinch.com/docs/conversation/callbacks/#message-delivery-receipt).", _CALLBACKS,
       "Messages_SendMessage"),
    _u("choice-postback-default", schema("Choice", "properties", "postback_data"),
       "The default is message_id_{text, title}.", _CALLBACKS),
    _u("choice-item-postback", schema("ChoiceItem", "properties", "postback_data"),
       "Postback data that will be returned in the MO if the user selects this option.",
       _CALLBACKS),
    _u("webhook-callbacks-per-webhook", schema("RateLimits", "properties", "webhooks"),
       "Note that if you have multiple webhooks with shared triggers, multiple callbacks will "
       "be sent out for each triggering event.", _CALLBACKS),
    _u("webhook-secret-signs", schema("Webhook", "properties", "secret"), "Optional secret be "
       "used to sign contents of webhooks sent by the Conversation API.", _CALLBACKS),
    *(_u(f"webhook-oauth-{name.replace('_', '-')}", schema("ClientCredentials", "properties",
                                                          name),
         f"The {label} that will be used in the Client Credentials flow.", _CALLBACKS)
      for name, label in (("client_id", "Client ID"), ("client_secret", "Client Secret"),
                          ("endpoint", "endpoint"))),
    _u("callback-secret-empty", schema("ConversationChannelCredential", "properties",
                                       "callback_secret"),
       "Note: leaving channel_callback_secret empty for channels with callback verification "
       "will disable the verification.", "needs a channel's callbacks"),
    *(_u(f"{name[:-7].lower()}-callback-url", schema(name, "properties", "callback_url"),
         "The REST URL should be of the form: `http://host[:port]/path`",
         "advice ('should'), not a refusal the spec promises; and a delivery report is a "
         "callback") for name in ("SendMessageRequest", "SendEventRequest")),
    *(_u(f"reason-{code.lower().replace('_', '-')}", json_pointer(
        ["components", "schemas", schema_name, "x-enumDescriptions", code]), sentence, _CODES)
      for schema_name, code, sentence in (
          ("ReasonCode", "TEMPLATE_INSUFFICIENT_PARAMETERS", "All parameters defined in the "
           "template must be provided when sending a template message."),
          ("ReasonCode", "DELIVERY_REJECTED_DUE_TO_POLICY", "Some channels have specific "
           "policies that must be met to send a message."),
          ("ReasonSubCode", "ATTACHMENT_REJECTED", "Some channels have specific policies "
           "that must be met to receive an attachment."))),
    # ---------------------------------------------------------------- channels and delivery
    _u("send-channel-priority", schema("SendMessageRequest", "properties",
                                       "channel_priority_order"),
       "Explicitly define the channels and order in which they are tried when sending the "
       "message.", _DELIVERY, "Messages_SendMessage"),
    _u("event-channel-priority", schema("SendEventRequest", "properties",
                                        "channel_priority_order"),
       "The order provided here overrides any default.", _DELIVERY, "Events_SendEvent"),
    _u("contact-channel-priority", schema("ContactCreateRequest", "properties",
                                          "channel_priority"),
       "The channel at the top of the list is tried first.", _DELIVERY),
    *(_u(f"app-channel-priority-{what}", schema(name, "properties", "channel_credentials"),
         "The order of the credentials defines the app channel priority.", _DELIVERY)
      for what, name in (("create", "AppCreateRequest"), ("update", "AppUpdateRequest"),
                         ("answer", "AppResponse"))),
    _u("send-ttl-failover", schema("SendMessageRequest", "properties", "ttl"),
       "Channel failover will not be performed for messages with expired TTL.", _DELIVERY),
    _u("media-thumbnail", schema("MediaMessage", "properties", "thumbnail_url"),
       "Will be used where it is natively supported.", _DELIVERY),
    _u("carousel-images-only", schema("CarouselMessage"), "Supported types for media are "
       "only images, such as .png, .jpg, .jpeg extensions.", "the API accepts a message "
       "before it fetches its media; a wrong type shows only in a delivery callback"),
    _u("channel-template-overrides", schema("TemplateMessage", "properties",
                                            "channel_template"),
       "The channel template if exists overrides the omnichannel template.", _TEMPLATE),
    _u("channel-properties-keys", schema("SendMessageRequest", "properties",
                                         "channel_properties"),
       "The key in the map must point to a valid channel property key as defined by the enum "
       "ChannelPropertyKeys.", "the spec defines no ChannelPropertyKeys"),
    # ---------------------------------------------------------------- templates, accounts
    _u("template-parameters", schema("TemplateReference", "properties", "parameters"),
       "Concrete values must be present for all defined parameters in the template.",
       _TEMPLATE),
    _u("template-language-default", schema("TemplateReference", "properties",
                                           "language_code"),
       "English is the default language_code.", _TEMPLATE),
    _u("template-version", schema("TemplateReference", "properties", "version"),
       "This will be used in conjunction with `language_code`.", _TEMPLATE),
    _u("smart-conversations-beta", schema("SmartConversation"), "Smart Conversations features "
       "are currently only available to select customers for closed beta testing.",
       "depends on the account, not on the API"),
    _u("message-queue-future", schema("MessageQueue"), "Not yet supported. This field is for "
       "future use.", "a statement about the future: nothing to hold the API to today"),
    _u("request-id-idempotency", param("request_id"), "Currently this field is not used for "
       "idempotency but it will be added in v1.", "a statement about the future: two "
       "requests with one request_id both succeeding shows nothing either way"),
    _u("capability-idempotency", schema("QueryCapability", "properties", "request_id"),
       "Currently this field is not used for idempotency.", "a negative statement: two "
       "requests with one request_id both succeeding shows nothing either way"),
    # ---------------------------------------------------------------- retention (days)
    _u("retention-cleanup-daily", schema("RetentionPolicy", "properties", "ttl_days"),
       "Note that retention cleanup job runs once every twenty-four hours which can lead to "
       "delay i.e., messages and conversations are not deleted on the minute they become "
       "eligible for deletion.", _DAYS),
    _u("retention-persist-ignores-ttl", schema("RetentionPolicy", "properties", "ttl_days"),
       "The ttl_days value has no effect when retention_type is `PERSIST_RETENTION_POLICY`.",
       _DAYS),
    _u("conversation-expire-policy", json_pointer(
        ["components", "schemas", "RetentionPolicyType", "x-enumDescriptions",
         "CONVERSATION_EXPIRE_POLICY"]),
       "If the last message is older that ttl_days the entire conversation is deleted.",
       _DAYS),
    _u("persist-policy", json_pointer(
        ["components", "schemas", "RetentionPolicyType", "x-enumDescriptions",
         "PERSIST_RETENTION_POLICY"]),
       "Persist policy does not delete old messages or conversations.", _DAYS),
    _u("dispatch-ttl-zero", schema("DispatchRetentionPolicy", "properties", "ttl_days"),
       "In the case of a `0` day TTL, messages aren't stored at all.", "not done: checkable "
       "(an app in DISPATCH mode with ttl_days 0: a message sent must not be readable), but "
       "the spec gives no default for it and the emulator stores dispatch messages with its "
       "default of 0", "Messages_SendMessage", "not-done"),
    _u("dispatch-retention-only-expire", schema("DispatchRetentionPolicy"),
       "Currently only `MESSAGE_EXPIRE_POLICY` is available.", "DispatchRetentionPolicyType's "
       "enum lists only it", status="schema", check="schema `enum`"),
    # ---------------------------------------------------------------- client obligations
    *(_u(f"list-messages-filter-{i}", json_pointer(
        ["paths", "/v1/projects/{project_id}/messages", "parameters", str(i), "description"]),
         "One of `conversation_id` or `contact_id` needs to be present if `messages_source` "
         "is `CONVERSATION_SOURCE`.", _CLIENT, "Messages_ListMessages") for i in (1, 2)),
    _u("list-messages-dispatch-app", json_pointer(
        ["paths", "/v1/projects/{project_id}/messages", "parameters", "3", "description"]),
       "Required only when `messages_source` is `DISPATCH_SOURCE`.", _CLIENT,
       "Messages_ListMessages"),
    *(_u(f"list-conversations-filter-{i}", op("/conversations", "get", "parameters", str(i),
                                             "description"),
         "At least one of `app_id` or `contact_id` must be present.", _CLIENT,
         "Conversation_ListConversations") for i in (0, 1)),
    _u("only-recipient-originated", param("only_recipient_originated"),
       "Available only when `messages_source` is `DISPATCH_SOURCE`.", "does not say what "
       "happens otherwise (ignored or refused)", "Messages_ListMessages"),
    _u("app-scoped-identity", schema("ChannelIdentity", "properties", "app_id"),
       "Required if using a channel that uses app-scoped channel identities.", "not done: "
       "an overlay `if`/`then` states it, but the emulator must first scope the identities "
       "it creates from a send's recipient to the app", "Contact_CreateContact", "not-done"),
    *(_u(f"product-list-{what}", pointer, "Required if sending a product list message.",
         "no list message keeps AppMessage.message's oneOf (see oneof-branch-fixes.yaml), so "
         "none can be sent to show it", "Messages_SendMessage")
      for what, pointer in (("properties", schema("ListMessage", "properties",
                                                  "message_properties")),
                            ("catalog", schema("ListMessage", "properties",
                                               "message_properties", "properties",
                                               "catalog_id")))),
    _u("contact-name-new-contact", schema("AppMessage", "additionalProperties", "properties",
                                          "contact_name"),
       "The `display_name` of the newly created contact in case it doesn't exist.",
       "the spec puts contact_name under AppMessage.additionalProperties (the schema of "
       "undeclared keys' values), so no message can carry it where the spec says",
       "Messages_SendMessage"),
    _u("message-metadata-max", schema("ConversationMessage", "properties", "metadata"),
       "Up to 1024 characters long.", "an answer's field holding a send's message_metadata, "
       "whose own description states no limit: what the API does with a longer one is not "
       "said", "Messages_GetMessage"),
    _u("contacts-public", json_pointer(["tags", "2", "description"]),
       "It's tied to a specific **project** and is therefore considered public to all "
       "**apps** sharing the same **project**.", "nothing in the API scopes a contact to an "
       "app, so no request can show one hidden from an app"),
    _u("app-needed-to-send", json_pointer(["tags", "0", "description"]), "To start sending "
       "messages you must have a Conversation API [**app**](https://dashboard.sinch.com/"
       "convapi/apps).", "SendMessageRequest requires app_id", "Messages_SendMessage",
       "schema", "schema `required`"),
    _u("optin-recipient-needed", json_pointer(["tags", "6", "description"]), "In order to "
       "execute the request, either the contactId of the contact or its channel recipient "
       "identities are required.", "the recipient oneOf", "OptIn_RegisterOptIn", "schema",
       "overlay recipient-oneof-fix.yaml"),
    _u("capability-recipient-needed", json_pointer(["tags", "7", "description"]), "For "
       "executing the request, it's required to provide either the contactId or the channel "
       "recipient identities of the contact.", "the recipient oneOf",
       "Capability_QueryCapability", "schema", "overlay recipient-oneof-fix.yaml"),
    _u("only-active-required", op("/conversations", "get", "parameters", "2", "description"),
       "Required. True if only active conversations should be listed.", "the parameter's "
       "`required: true`", "Conversation_ListConversations", "schema", "parameter `required`"),
    _u("messages-source-default", json_pointer(
        ["components", "parameters", "messages_source", "schema", "x-enumDescriptions",
         "CONVERSATION_SOURCE"]),
       "The default messages source.", "a message sent in CONVERSATION mode is read back "
       "without messages_source", "Messages_GetMessage", "covered",
       "lifecycle probe (resource_unavailable_after_create)"),
    _u("messages-source-purpose", param("messages_source"), "Used for operations on messages "
       "in Dispatch Mode.", "not a rule: says what the parameter is for (its values are "
       "checked as messages-source-default)", "Messages_ListMessages"),
    _u("processing-strategy-default-value", schema("ProcessingStrategy"),
       "Default value is `DEFAULT`.", "the schema's `default: DEFAULT`; what DEFAULT does is "
       "checked by processing-strategy-default", "Messages_SendMessage", "covered",
       "processing-strategy-default"),
    _u("conversation-mode-creates", json_pointer(
        ["components", "schemas", "ProcessingMode", "x-enumDescriptions", "CONVERSATION"]),
       "Creates contacts and conversations automatically when a message is sent or received "
       "and there's no existing contact or active conversation.", "the conversation half is "
       "send-starts-conversation; a new contact for an unknown identity is not checked",
       "Messages_SendMessage", "covered", "send-starts-conversation"),
)
