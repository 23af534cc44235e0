"""What the prose says a request may not hold: counts, lengths, ranges, forbidden values,
objects a channel needs, and a time window. The ones JSON Schema can state are also in the
overlay ``spec/overlays/prose-limits.yaml`` (so generated requests keep them and the proxy
flags a client that breaks them); the ``prose_inputs`` probe sends one request that breaks
each and quotes the sentence when the API accepts it."""

from __future__ import annotations

from conformance.emulator.faults import FaultName as F
from conformance.findings import json_pointer
from conformance.suite.prose.model import ProseRule, op, schema

__all__ = ["INPUTS"]

_PROBE = "prose_inputs"
_OVERLAY = F.INVALID_BODY_ACCEPTED  # accepts what the overlay's keywords refuse
_NO_SCHEMA = F.PROSE_INPUT_RULES_IGNORED
_CREDS = "you must include this object."


def _i(id: str, pointer: str, sentence: str, operation: str, fault: str = _OVERLAY,
       why: str = "") -> ProseRule:
    return ProseRule(id, pointer, sentence, operation, "probe", _PROBE, (fault,), why)


def _s(id: str, pointer: str, sentence: str, operation: str, check: str,
       why: str = "") -> ProseRule:
    return ProseRule(id, pointer, sentence, operation, "schema", check, (), why)


def _creds(channel: str, name: str) -> ProseRule:
    return _i(f"{channel.lower()}-credentials-required", schema(name),
              f"If you are including the {_LABEL[channel]} channel in the "
              f"`channel_identifier` property, {_CREDS}", "App_UpdateApp",
              why="`channel_identifier` is read as the credential's `channel`")


_LABEL = {"MMS": "MMS", "KAKAOTALK": "KakaoTalk", "TELEGRAM": "Telegram Bot", "LINE": "LINE",
          "WECHAT": "WeChat"}
_MAX_1024 = "Up to 1024 characters long."
_DISPATCH_ONLY = ("If [Dispatch Mode](../../../../processing-modes/) is used, only `identified_by` "
                  "is allowed.")
_RECIPIENT = "Requires either `contact_id` or `identified_by`."

INPUTS: tuple[ProseRule, ...] = (
    _i("contact-identities-min-one", schema("ContactCreateRequest", "properties",
                                            "channel_identities"),
       "Array must contain at least one item.", "Contact_CreateContact"),
    _i("contact-metadata-max", schema("ContactCreateRequest", "properties", "metadata"),
       _MAX_1024, "Contact_CreateContact"),
    _i("contact-metadata-max-update", schema("Contact", "properties", "metadata"), _MAX_1024,
       "Contact_UpdateContact"),
    _i("conversation-metadata-max", schema("Conversation", "properties", "metadata"),
       _MAX_1024, "Conversation_UpdateConversation"),
    _i("injected-metadata-max", schema("ConversationMessageInjected", "properties",
                                       "metadata"), _MAX_1024, "Conversation_InjectMessage"),
    _i("injected-accept-time-window", schema("ConversationMessageInjected", "properties",
                                             "accept_time"),
       "Must be less than current_time and greater than (current_time - 30 days)",
       "Conversation_InjectMessage", _NO_SCHEMA, why="no schema can state a window "
       "relative to now; checked with an accept_time 40 days old and one in the future"),
    _i("choice-message-max-choices", schema("ChoiceMessage", "properties", "choices"),
       "The number of choices is limited to 3.", "Messages_SendMessage"),
    _i("channel-property-max", schema("SendMessageRequest", "properties",
                                      "channel_properties"),
       "The maximum allowed property value length is 1024 characters.",
       "Messages_SendMessage"),
    _i("carousel-max-cards", schema("CarouselMessage", "properties", "cards"),
       "A list of up to 10 cards.", "Messages_SendMessage"),
    _s("card-max-choices", schema("CardMessage", "properties", "choices"),
       "The number of choices is limited to 3.", "Messages_SendMessage",
       "overlay prose-limits.yaml (maxItems: 3)",
       why="no probe: a card with choices also matches ChoiceMessage, so AppMessage's oneOf "
           "refuses every card with choices whatever their number (a spec defect)"),
    _s("carousel-max-choices", schema("CarouselMessage", "properties", "choices"),
       "The number of outer choices is limited to 3.", "Messages_SendMessage",
       "overlay prose-limits.yaml (maxItems: 3)",
       why="no probe: a carousel with choices also matches ChoiceMessage (see card-max-choices)"),
    _i("callback-secret-max", schema("ConversationChannelCredential", "properties",
                                     "callback_secret"),
       "Max length is 256 characters.", "App_UpdateApp"),
    _i("retention-ttl-range", schema("RetentionPolicy", "properties", "ttl_days"),
       "The valid values for this field are [1 - 3650].", "App_UpdateApp"),
    _i("dispatch-ttl-range", schema("DispatchRetentionPolicy", "properties", "ttl_days"),
       "The valid range is `[0 - 7]`.", "App_UpdateApp"),
    _i("webhook-target-max", schema("Webhook", "properties", "target"),
       "Maximum URL length is 742.", "Webhooks_CreateWebhook"),
    _i("webhook-target-forbidden", schema("Webhook", "properties", "target"),
       "The conversation-api.*.sinch.com subdomains are forbidden.", "Webhooks_CreateWebhook"),
    _i("webhook-trigger-unspecified", schema("WebhookTrigger"),
       "`UNSPECIFIED_TRIGGER`: Using this value will cause errors.", "Webhooks_CreateWebhook"),
    *(_creds(channel, name) for channel, name in (
        ("MMS", "MMSCredentials"), ("KAKAOTALK", "KakaoTalkCredentials"),
        ("TELEGRAM", "TelegramCredentials"), ("LINE", "LineCredentials"),
        ("WECHAT", "WeChatCredentials"))),
    _i("capability-existing-contact", json_pointer(["tags", "7", "description"]),
       "Capability Queries can only be executed for contacts that already exist in a "
       "project/app.", "Capability_QueryCapability", _NO_SCHEMA),
    *(_i(f"dispatch-recipient-{what}", schema(name, "properties", "recipient"),
         _DISPATCH_ONLY, operation, _NO_SCHEMA,
         why="checked with an app in DISPATCH mode and a contact_id recipient")
      for what, name, operation in (
          ("send", "SendMessageRequest", "Messages_SendMessage"),
          ("event", "SendEventRequest", "Events_SendEvent"),
          ("optin", "OptIn", "OptIn_RegisterOptIn"),
          ("optout", "OptOut", "OptIn_RegisterOptOut"))),
    _i("explicit-message-channel-keys", schema("AppMessage", "properties",
                                               "explicit_channel_message"),
       "The key in the map must point to a valid conversation channel as defined by the enum "
       "ConversationChannel.", "Transcoding_TranscodeMessage",
       why="checked with a transcode whose explicit_channel_message has the key CARRIER_PIGEON"),
    # ---------------------------------------------------------------- in the schema already
    _s("channel-template-channel-keys", schema("TemplateMessage", "properties",
                                               "channel_template"),
       "The key in the map must point to a valid conversation channel as defined by the enum "
       "ConversationChannel.", "Messages_SendMessage",
       "overlay prose-limits.yaml (`propertyNames`)", why="no probe: a template message "
       "with a channel_template matches more than one branch of AppMessage.message's oneOf"),
    _s("transcode-channel-keys", schema("TranscodeMessageResponse", "properties",
                                        "transcoded_message"),
       "The keys in the map correspond to channel names, as defined by the type "
       "ConversationChannel.", "Transcoding_TranscodeMessage",
       "overlay prose-limits.yaml (`propertyNames` on the answer)"),
    *(_s(f"recipient-one-of-{name.lower()}", schema(name, "properties", "recipient"),
         _RECIPIENT, "", "overlay recipient-oneof-fix.yaml (each oneOf branch requires its "
         "property)") for name in ("SendMessageRequest", "SendEventRequest", "OptIn", "OptOut",
                                   "GetChannelProfileRequest", "QueryCapability",
                                   "QueryCapabilityResponse")),
    _s("template-one-of", schema("TemplateMessage", "properties", "channel_template"),
       "At least one of `channel_template` or `omni_template` needs to be present.",
       "Messages_SendMessage", "overlay oneof-branch-fixes.yaml (anyOf of the two)"),
    _s("send-required-fields", schema("SendMessageRequest"), "`app_id`, `recipient`, and "
       "`message` are all required fields.", "Messages_SendMessage", "schema `required`"),
    _s("send-required-fields-body", json_pointer(
        ["components", "requestBodies", "SendMessageRequest", "description"]),
       "`app_id`, `recipient`, and `message` are all required fields.",
       "Messages_SendMessage", "schema `required`"),
    _s("conversation-metadata-object", schema("SendMessageRequest", "properties",
                                              "conversation_metadata"),
       "The `conversation_metadata` only accepts json objects.", "Messages_SendMessage",
       "schema `type: object`"),
    _s("channel-enum", schema("ConversationChannel"), "Must be one of the enum values.", "",
       "schema `enum`"),
    _s("channel-profile-channels", schema("GetChannelProfileConversationChannel"),
       "Must be one of the supported channels for this operation.",
       "Contact_GetChannelProfile", "schema `enum` (MESSENGER, INSTAGRAM, VIBER)"),
    _s("channel-profile-supported", op("/contacts:getChannelProfile", "post"),
       "Supported only on `MESSENGER`, `INSTAGRAM`, and `VIBER` channels.",
       "Contact_GetChannelProfile", "schema `enum` of GetChannelProfileConversationChannel"),
)
