// Drive the Conversation API calls of the official Sinch Node SDK (@sinch/sdk-core) that the
// Python SDK does not offer: conversations, events, capability, transcoding, webhooks,
// channel profiles, ... plus the app/contact/message calls they need.
//
//   node e2e/node/driver.mjs --base-url http://127.0.0.1:PORT \
//       --project-id P --key-id K --key-secret S [--out calls.json]
//
// The SDK is used unchanged: `authHostname` and `conversationHostname` point it at
// --base-url (the validating proxy in front of the emulator) for both the OAuth2 token
// request and the Conversation API. Each call is recorded as {call, operation, ok, status,
// error, expected_failure}; `operation` is the spec's operationId, or null for an
// operation the spec does not have. Exit code 0 when every call did what was expected
// (success, or the named failure), 1 otherwise.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { SinchClient } from '@sinch/sdk-core';

const installed = (name) => JSON.parse(readFileSync(
  new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

const NOT_IN_SPEC = 'the spec has no such operation: the emulator answers 404/405';
const EVENT_NOT_IN_SPEC = 'the spec documents only composing_event and comment_reply_event: '
  + 'any other event matches no branch of the oneOf, so the emulator answers 400';
const ONLY_ACTIVE = 'the spec makes only_active a required query parameter; the SDK leaves '
  + 'it out unless set, so the emulator answers 400';

const MEDIA = {
  url: 'https://example.com/picture.png',
  thumbnail_url: 'https://example.com/thumb.png',
  filename_override: 'picture.png',
};
const AGENT = { display_name: 'Agent Smith', type: 'HUMAN', picture_url: 'https://example.com/a.png' };

class Recorder {
  constructor() {
    this.calls = [];
  }

  async run(name, operation, fn, fails = null) {
    const entry = { call: name, operation, ok: true, status: null, error: null, expected_failure: fails };
    this.calls.push(entry);
    try {
      return await fn();
    } catch (err) {
      entry.ok = false;
      entry.status = err?.statusCode ?? null;
      entry.error = `${err?.constructor?.name ?? 'Error'}: ${String(err?.message ?? err).replace(/\s+/g, ' ')}`;
      if (err?.data) entry.error_body = String(err.data).slice(0, 2000);
      return null;
    }
  }

  unexpected() {
    return this.calls.filter((c) => c.ok === Boolean(c.expected_failure));
  }
}

function client(baseUrl, projectId, keyId, keySecret) {
  return new SinchClient({
    projectId, keyId, keySecret,
    authHostname: baseUrl,
    conversationHostname: baseUrl,
    conversationTemplatesHostname: baseUrl,
  });
}

async function allPages(listPromise) {
  // The SDK's auto-pagination: for await over the ApiListPromise follows next_page_token.
  const items = [];
  for await (const item of listPromise) items.push(item);
  return items;
}

async function driveSetup(conv, run, ids) {
  const app = await run('app.create', 'App_CreateApp', () => conv.app.create({
    appCreateRequestBody: {
      display_name: 'Node SDK e2e app',
      channel_credentials: [
        { channel: 'SMS', static_bearer: { claimed_identity: 'node-sms', token: 'sms-token' } },
        { channel: 'MESSENGER', static_token: { token: 'fb-token' } },
      ],
      conversation_metadata_report_view: 'FULL',
      processing_mode: 'CONVERSATION',
    },
  }));
  ids.app = app?.id ?? 'missing-app';
  await run('app.get', 'App_GetApp', () => conv.app.get({ app_id: ids.app }));
  await run('app.list', 'App_ListApps', () => conv.app.list({}));
  await run('app.update', 'App_UpdateApp', () => conv.app.update({
    app_id: ids.app,
    update_mask: ['display_name'],
    appUpdateRequestBody: { display_name: 'Node SDK e2e app (renamed)' },
  }));
  const contact = await run('contact.create', 'Contact_CreateContact', () => conv.contact.create({
    contactCreateRequestBody: {
      channel_identities: [
        { channel: 'SMS', identity: '+46700000400' },
        { channel: 'MESSENGER', identity: 'psid-400', app_id: ids.app },
      ],
      language: 'EN_US',
      display_name: 'Grace',
      email: 'grace@example.com',
      external_id: 'ext-400',
      metadata: 'meta-400',
      channel_priority: ['SMS', 'MESSENGER'],
    },
  }));
  ids.contact = contact?.id ?? 'missing-contact';
  const second = await run('contact.create(second)', 'Contact_CreateContact', () => conv.contact.create({
    contactCreateRequestBody: {
      channel_identities: [{ channel: 'WHATSAPP', identity: '+46700000401' }],
      language: 'SV',
    },
  }));
  ids.second = second?.id ?? 'missing-contact';
  await run('contact.get', 'Contact_GetContact', () => conv.contact.get({ contact_id: ids.contact }));
  await run('contact.list', 'Contact_ListContacts', () => allPages(conv.contact.list({ page_size: 1 })));
  await run('contact.update', 'Contact_UpdateContact', () => conv.contact.update({
    contact_id: ids.contact,
    update_mask: ['display_name', 'email'],
    updateContactRequestBody: { display_name: 'Grace H.', email: 'grace.h@example.com' },
  }));
}

async function driveContactsExtra(conv, run, ids) {
  await run('contact.getChannelProfile(contact_id)', 'Contact_GetChannelProfile', () => conv.contact.getChannelProfile({
    getChannelProfileRequestBody: { app_id: ids.app, channel: 'MESSENGER', recipient: { contact_id: ids.contact } },
  }));
  await run('contact.getChannelProfile(identified_by)', 'Contact_GetChannelProfile', () => conv.contact.getChannelProfile({
    getChannelProfileRequestBody: {
      app_id: ids.app,
      channel: 'MESSENGER',
      recipient: { identified_by: { channel_identities: [{ channel: 'MESSENGER', identity: 'psid-400' }] } },
    },
  }));
  await run('contact.listIdentityConflicts', null, () => conv.contact.listIdentityConflicts({ page_size: 5 }), NOT_IN_SPEC);
}

async function driveConversations(conv, run, ids) {
  const created = await run('conversation.create', 'Conversation_CreateConversation', () => conv.conversation.create({
    createConversationRequestBody: {
      app_id: ids.app,
      contact_id: ids.second,
      active: true,
      active_channel: 'WHATSAPP',
      metadata: 'conv-meta',
      metadata_json: { topic: 'node-e2e', level: 1 },
      correlation_id: 'node-corr-1',
    },
  }));
  ids.conversation = created?.id ?? 'missing-conversation';
  await run('conversation.get', 'Conversation_GetConversation', () => conv.conversation.get({ conversation_id: ids.conversation }));
  await run('conversation.list', 'Conversation_ListConversations', () => allPages(conv.conversation.list({
    app_id: ids.app, only_active: true, page_size: 1,
  })));
  await run('conversation.list(contact, channel)', 'Conversation_ListConversations', () => conv.conversation.list({
    contact_id: ids.second, active_channel: 'WHATSAPP',
  }), ONLY_ACTIVE);
  await run('conversation.listRecent', null, () => conv.conversation.listRecent({
    app_id: ids.app, only_active: true, order: 'DESC', page_size: 5,
  }), NOT_IN_SPEC);
  await run('conversation.update', 'Conversation_UpdateConversation', () => conv.conversation.update({
    conversation_id: ids.conversation,
    update_mask: ['metadata_json'],
    metadata_update_strategy: 'MERGE_PATCH',
    updateConversationRequestBody: { metadata_json: { level: 2 } },
  }));
  await run('conversation.injectMessage(app_message)', 'Conversation_InjectMessage', () => conv.conversation.injectMessage({
    conversation_id: ids.conversation,
    injectMessageRequestBody: {
      app_message: { text_message: { text: 'injected by the app' } },
      accept_time: new Date(),
      channel_identity: { channel: 'WHATSAPP', identity: '+46700000401' },
      contact_id: ids.second,
      direction: 'TO_CONTACT',
      metadata: 'inject-meta',
    },
  }));
  await run('conversation.injectMessage(contact_message)', 'Conversation_InjectMessage', () => conv.conversation.injectMessage({
    conversation_id: ids.conversation,
    injectMessageRequestBody: {
      contact_message: { text_message: { text: 'injected from the contact' } },
      accept_time: new Date(),
      channel_identity: { channel: 'WHATSAPP', identity: '+46700000401' },
      contact_id: ids.second,
      direction: 'TO_APP',
    },
  }));
  await run('conversation.injectEvent', null, () => conv.conversation.injectEvent({
    conversation_id: ids.conversation,
    injectConversationEventRequestBody: {
      app_event: { composing_event: {} },
      accept_time: new Date(),
      contact_id: ids.second,
      channel_identity: { channel: 'WHATSAPP', identity: '+46700000401' },
    },
  }), NOT_IN_SPEC);
  await run('conversation.stopActive', 'Conversation_StopActiveConversation', () => conv.conversation.stopActive({ conversation_id: ids.conversation }));
}

async function driveMessages(conv, run, ids) {
  const recipient = { contact_id: ids.contact };
  const sent = await run('messages.sendTextMessage', 'Messages_SendMessage', () => conv.messages.sendTextMessage({
    sendMessageRequestBody: {
      app_id: ids.app,
      recipient,
      message: { text_message: { text: 'Hello from the Node SDK' } },
      channel_priority_order: ['SMS'],
      ttl: '60s',
      message_metadata: 'node-meta',
      correlation_id: 'node-corr-2',
      queue: 'HIGH_PRIORITY',
    },
  }));
  ids.message = sent?.message_id ?? 'missing-message';
  await run('messages.sendMediaMessage(identified_by)', 'Messages_SendMessage', () => conv.messages.sendMediaMessage({
    sendMessageRequestBody: {
      app_id: ids.app,
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '+46700000402' }] } },
      message: { media_message: MEDIA },
    },
  }));
  await run('messages.send(explicit_channel_message)', 'Messages_SendMessage', () => conv.messages.send({
    sendMessageRequestBody: {
      app_id: ids.app,
      recipient,
      message: {
        text_message: { text: 'with overrides' },
        explicit_channel_message: { SMS: 'plain SMS text' },
        agent: AGENT,
      },
    },
  }));
  await run('messages.get', 'Messages_GetMessage', () => conv.messages.get({ message_id: ids.message, messages_source: 'CONVERSATION_SOURCE' }));
  await run('messages.list', 'Messages_ListMessages', () => allPages(conv.messages.list({
    contact_id: ids.contact, page_size: 1, view: 'WITH_METADATA', only_recipient_originated: false,
  })));
  await run('messages.list(conversation, time window)', 'Messages_ListMessages', () => conv.messages.list({
    conversation_id: ids.conversation,
    start_time: new Date('2000-01-01T00:00:00Z'),
    end_time: new Date('2100-01-01T00:00:00Z'),
    direction: 'TO_APP',
    channel: 'WHATSAPP',
  }));
  await run('messages.listLastMessagesByChannelIdentity', null, () => conv.messages.listLastMessagesByChannelIdentity({
    listLastMessagesByChannelIdentityRequestBody: { app_id: ids.app, channel_identities: ['+46700000400'] },
  }), NOT_IN_SPEC);
  await run('messages.update', null, () => conv.messages.update({
    message_id: ids.message, updateMessageRequestBody: { metadata: 'updated' },
  }), NOT_IN_SPEC);
}

async function driveEvents(conv, run, ids) {
  const base = { app_id: ids.app, recipient: { contact_id: ids.contact }, event_metadata: 'ev-meta', queue: 'NORMAL_PRIORITY' };
  const sends = [
    ['events.sendComposingEvent', 'sendComposingEvent', { composing_event: {} }, null],
    ['events.sendComposingEndEvent', 'sendComposingEndEvent', { composing_end_event: {} }, EVENT_NOT_IN_SPEC],
    ['events.sendCommentReplyEvent', 'sendCommentReplyEvent', { comment_reply_event: { text: 'thanks' } }, null],
    ['events.sendAgentJoinedEvent', 'sendAgentJoinedEvent', { agent_joined_event: { agent: AGENT } }, EVENT_NOT_IN_SPEC],
    ['events.sendAgentLeftEvent', 'sendAgentLeftEvent', { agent_left_event: { agent: AGENT } }, EVENT_NOT_IN_SPEC],
    ['events.sendGenericEvent', 'sendGenericEvent', { generic_event: { payload: { key: 'value' } } }, EVENT_NOT_IN_SPEC],
    ['events.send', 'send', { composing_event: {} }, null],
  ];
  for (const [name, method, event, fails] of sends) {
    const result = await run(name, 'Events_SendEvent', () => conv.events[method]({
      sendEventRequestBody: { ...base, event },
    }), fails);
    if (result?.event_id && !ids.event) ids.event = result.event_id;
  }
  await run('events.send(identified_by)', 'Events_SendEvent', () => conv.events.send({
    sendEventRequestBody: {
      app_id: ids.app,
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '+46700000400' }] } },
      event: { composing_event: {} },
      callback_url: 'https://example.com/events',
      channel_priority_order: ['SMS'],
    },
  }));
  ids.event ??= 'missing-event';
  await run('events.get', null, () => conv.events.get({ event_id: ids.event }), NOT_IN_SPEC);
  await run('events.list', null, () => conv.events.list({ contact_id: ids.contact, page_size: 5 }), NOT_IN_SPEC);
  await run('events.delete', null, () => conv.events.delete({ event_id: ids.event }), NOT_IN_SPEC);
}

async function driveCapabilityTranscoding(conv, run, ids) {
  await run('capability.lookup(contact_id)', 'Capability_QueryCapability', () => conv.capability.lookup({
    lookupCapabilityRequestBody: { app_id: ids.app, recipient: { contact_id: ids.contact }, request_id: 'cap-1' },
  }));
  await run('capability.lookup(identified_by)', 'Capability_QueryCapability', () => conv.capability.lookup({
    lookupCapabilityRequestBody: {
      app_id: ids.app,
      recipient: { identified_by: { channel_identities: [{ channel: 'SMS', identity: '+46700000400' }] } },
    },
  }));
  await run('transcoding.transcodeMessage', 'Transcoding_TranscodeMessage', () => conv.transcoding.transcodeMessage({
    transcodeMessageRequestBody: {
      app_id: ids.app,
      app_message: { text_message: { text: 'transcode me' } },
      channels: ['SMS', 'MESSENGER', 'WHATSAPP'],
      from: 'sender',
      to: 'receiver',
    },
  }));
  await run('transcoding.transcodeMessage(card)', 'Transcoding_TranscodeMessage', () => conv.transcoding.transcodeMessage({
    transcodeMessageRequestBody: {
      app_id: ids.app,
      app_message: { card_message: { title: 'Card', description: 'A card', media_message: MEDIA, choices: [{ text_message: { text: 'ok' } }] } },
      channels: ['MESSENGER'],
    },
  }));
}

async function driveWebhooks(conv, run, ids) {
  const hook = await run('webhooks.create', 'Webhooks_CreateWebhook', () => conv.webhooks.create({
    webhookCreateRequestBody: {
      app_id: ids.app,
      target: 'https://example.com/hook',
      target_type: 'HTTP',
      secret: 'hook-secret',
      triggers: ['MESSAGE_DELIVERY', 'MESSAGE_INBOUND', 'EVENT_INBOUND'],
      client_credentials: {
        client_id: 'cid', client_secret: 'csecret', endpoint: 'https://example.com/oauth',
        token_request_type: 'BASIC',
      },
    },
  }));
  ids.webhook = hook?.id ?? 'missing-webhook';
  await run('webhooks.get', 'Webhooks_GetWebhook', () => conv.webhooks.get({ webhook_id: ids.webhook }));
  await run('webhooks.list', 'Webhooks_ListWebhooks', () => conv.webhooks.list({ app_id: ids.app }));
  await run('webhooks.update', 'Webhooks_UpdateWebhook', () => conv.webhooks.update({
    webhook_id: ids.webhook,
    update_mask: ['target', 'triggers'],
    webhookUpdateRequestBody: { app_id: ids.app, target: 'https://example.com/hook2', triggers: ['CONVERSATION_START'] },
  }));
  await run('webhooks.delete', 'Webhooks_DeleteWebhook', () => conv.webhooks.delete({ webhook_id: ids.webhook }));
}

async function driveUndocumented(conv, run, ids) {
  // Operations on the Conversation API host that the SDK offers and the spec does not have.
  await run('projectSettings.get', null, () => conv.projectSettings.get({}), NOT_IN_SPEC);
  await run('consents.listAuditRecords', null, () => conv.consents.listAuditRecords({ app_id: ids.app, identity: '+46700000400' }), NOT_IN_SPEC);
  await run('consents.listIdentities', null, () => conv.consents.listIdentities({ app_id: ids.app, list_type: 'OPT_OUT_ALL' }), NOT_IN_SPEC);
}

async function driveCleanup(conv, run, ids) {
  await run('messages.delete', 'Messages_DeleteMessage', () => conv.messages.delete({ message_id: ids.message }));
  await run('conversation.delete', 'Conversation_DeleteConversation', () => conv.conversation.delete({ conversation_id: ids.conversation }));
  await run('contact.mergeContact', 'Contact_MergeContact', () => conv.contact.mergeContact({
    destination_id: ids.contact, mergeContactRequestBody: { source_id: ids.second, strategy: 'MERGE' },
  }));
  await run('contact.delete', 'Contact_DeleteContact', () => conv.contact.delete({ contact_id: ids.contact }));
  await run('app.delete', 'App_DeleteApp', () => conv.app.delete({ app_id: ids.app }));
}

export async function drive({ baseUrl, projectId, keyId, keySecret }) {
  const conv = client(baseUrl, projectId, keyId, keySecret).conversation;
  const recorder = new Recorder();
  const run = recorder.run.bind(recorder);
  const ids = {};
  await driveSetup(conv, run, ids);
  await driveContactsExtra(conv, run, ids);
  await driveConversations(conv, run, ids);
  await driveMessages(conv, run, ids);
  await driveEvents(conv, run, ids);
  await driveCapabilityTranscoding(conv, run, ids);
  await driveWebhooks(conv, run, ids);
  await driveUndocumented(conv, run, ids);
  await driveCleanup(conv, run, ids);
  return recorder;
}

async function main() {
  const { values } = parseArgs({
    options: {
      'base-url': { type: 'string' },
      'project-id': { type: 'string' },
      'key-id': { type: 'string' },
      'key-secret': { type: 'string' },
      out: { type: 'string' },
    },
  });
  for (const name of ['base-url', 'project-id', 'key-id', 'key-secret']) {
    if (!values[name]) {
      console.error(`driver.mjs: --${name} is required`);
      process.exit(2);
    }
  }
  const recorder = await drive({
    baseUrl: values['base-url'], projectId: values['project-id'], keyId: values['key-id'], keySecret: values['key-secret'],
  });
  const text = JSON.stringify({
    sdk: `@sinch/sdk-core ${installed('@sinch/sdk-core')} (@sinch/conversation ${installed('@sinch/conversation')})`,
    calls: recorder.calls,
  }, null, 2);
  if (values.out) writeFileSync(values.out, `${text}\n`);
  else console.log(text);
  const wrong = recorder.unexpected();
  for (const call of wrong) {
    console.error(`UNEXPECTED ${call.call}: ${call.error ?? `succeeded, expected to fail: ${call.expected_failure}`}`);
  }
  process.exit(wrong.length ? 1 : 0);
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});
