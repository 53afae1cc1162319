/**
 * Fake Slack for tests: one node:http server on 127.0.0.1 (port 0) that serves
 *  - app incoming webhooks (`POST /services/T…/B…/…`, JSON, `200 ok` as text/plain), and
 *  - the Web API (`POST /api/chat.postMessage`, `/api/auth.test`, `/api/conversations.info`,
 *    form-urlencoded with JSON-string `blocks`, answers `{ok, …}` as HTTP 200 JSON).
 * It enforces the Block Kit limits the way Slack reports them, records every request and every
 * accepted message, and injects faults per hook / per method for N requests.
 * Contracts: ../../../shared/reference/notion-slack-teams.md §0, §2, §4; notes in slack-teams.readme.md.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Block Kit and message limits the fake enforces (defaults: {@link SLACK_LIMITS}). */
export interface SlackLimits {
  /** Blocks per message (`no more than 50 items allowed`). */
  maxBlocks: number;
  /** `section.text.text` upper bound (lower bound is 1). */
  sectionText: number;
  /** `section.fields` items. */
  sectionFields: number;
  /** Each `section.fields[i].text`. */
  fieldText: number;
  /** `header.text.text` (plain_text only). */
  headerText: number;
  /** `context.elements` items. */
  contextElements: number;
  /** `block_id` length. */
  blockId: number;
  /** `markdown.text` length (per block). */
  markdownText: number;
  /** `actions.elements` items. */
  actionsElements: number;
  /** Button `text.text` length. */
  buttonText: number;
  /** Any URL in a block. */
  url: number;
  /** `JSON.stringify(blocks).length` above which the message is refused (`msg_blocks_too_long`; UNCONFIRMED measure). */
  blocksChars: number;
  /** Top-level `text` (Slack truncates above 40k; the fake refuses with `msg_too_long`). */
  text: number;
  /** Attachments per message (`too_many_attachments`). */
  attachments: number;
}

export const SLACK_LIMITS: Readonly<SlackLimits> = Object.freeze({
  maxBlocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  blockId: 255,
  markdownText: 12_000,
  actionsElements: 25,
  buttonText: 75,
  url: 3000,
  blocksChars: 13_200,
  text: 40_000,
  attachments: 100,
});

/** One incoming webhook: its own path, posting into its own (or a named) channel. */
export interface SlackHookConfig {
  /** Handle used by tests (`webhookUrl('alerts')`, `messages('alerts')`). */
  name: string;
  /** Defaults to `/services/T0FAKE/B0<NAME>/<24 chars>`. */
  path?: string;
  /** Channel the hook posts into; defaults to the hook name. Use a Web API channel id to share one. */
  channel?: string;
}

/** A channel known to the Web API side. */
export interface SlackChannelConfig {
  id: string;
  name: string;
  /** Whether the bot is a member (default true); false → `not_in_channel`. */
  isMember?: boolean;
  /** Archived (default false) → `is_archived`. */
  isArchived?: boolean;
  isPrivate?: boolean;
}

export interface FakeSlackOptions {
  /** Default: one hook named `default`. */
  hooks?: SlackHookConfig[];
  /** Default: `C0SECVULN` / `sec-vuln`, bot is a member. */
  channels?: SlackChannelConfig[];
  /** Valid bot tokens; default `['xoxb-fake-token']`. */
  tokens?: string[];
  /** Clock in epoch ms (ts generation, records). */
  now?: () => number;
  limits?: Partial<SlackLimits>;
}

/** Faults on the transport, shared by webhooks and the Web API. */
export type SlackTransportFault =
  /** Read the body, never answer (until the fake closes): the client's timeout fires. Nothing recorded. */
  | { type: 'hang' }
  /** Destroy the connection without answering. Nothing recorded. */
  | { type: 'reset' }
  /** Wait, then process normally (the message is recorded even if the client gave up). */
  | { type: 'delay'; ms: number }
  /** Process and record the message, then destroy the connection: "accepted but response lost". */
  | { type: 'drop-after-accept' };

/** Plain-text error bodies of incoming webhooks (status from {@link WEBHOOK_ERROR_STATUS}). */
export type SlackWebhookErrorCode =
  | 'invalid_payload'
  | 'no_text'
  | 'invalid_blocks'
  | 'msg_too_long'
  | 'too_many_attachments'
  | 'user_not_found'
  | 'action_prohibited'
  | 'posting_to_general_channel_denied'
  | 'invalid_token'
  | 'no_service'
  | 'channel_not_found'
  | 'channel_is_archived'
  | 'rollup_error';

/** HTTP status per webhook error body; the ones not in the 2016 changelog are UNCONFIRMED. */
export const WEBHOOK_ERROR_STATUS: Readonly<Record<SlackWebhookErrorCode, number>> = Object.freeze({
  invalid_payload: 400,
  no_text: 400,
  invalid_blocks: 400,
  msg_too_long: 400,
  too_many_attachments: 400,
  user_not_found: 400,
  action_prohibited: 403,
  posting_to_general_channel_denied: 403,
  invalid_token: 403,
  no_service: 404,
  channel_not_found: 404,
  channel_is_archived: 410,
  rollup_error: 500,
});

export type SlackWebhookFault =
  | SlackTransportFault
  | { type: 'error'; error: SlackWebhookErrorCode; status?: number }
  | { type: 'rate-limited'; retryAfter?: number };

export type SlackApiMethod = 'chat.postMessage' | 'auth.test' | 'conversations.info';

export type SlackApiFault =
  | SlackTransportFault
  /** HTTP 200 `{ok:false, error}` (e.g. `is_archived`, `token_revoked`, `ratelimited`). */
  | { type: 'error'; error: string }
  /** Any non-200/429 status (the SDK turns it into WebAPIHTTPError and retries it). */
  | { type: 'http'; status: number; body?: string }
  | { type: 'rate-limited'; retryAfter?: number };

/** A message Slack accepted. */
export interface SlackMessage {
  ts: string;
  via: 'webhook' | 'api';
  /** Channel id (Web API) or the hook's channel. */
  channel: string;
  /** Hook name when posted through a webhook. */
  hook?: string;
  text?: string;
  /** Parsed blocks (from the JSON string for the Web API). */
  blocks?: unknown[];
  attachments?: unknown[];
  /** `thread_ts` exactly as sent. */
  threadTs?: string;
  /** The thread's parent ts (the root, even when `thread_ts` named a reply). */
  parentTs?: string;
  /** Every parameter as received (blocks/attachments parsed). */
  payload: Record<string, unknown>;
  receivedAt: number;
}

export type SlackRequestOutcome = 'accepted' | 'rejected' | 'fault' | 'pending';

/** One HTTP request as the fake saw it. */
export interface SlackRequest {
  kind: 'webhook' | 'api' | 'other';
  method: string;
  path: string;
  hook?: string;
  apiMethod?: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
  /** Undefined when no response was sent (hang, reset, drop-after-accept). */
  status?: number;
  response?: string;
  outcome: SlackRequestOutcome;
  /** Slack error code of a rejection. */
  error?: string;
  /** Block errors (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`). */
  errors?: string[];
  /** Fault applied to this request. */
  fault?: SlackWebhookFault | SlackApiFault;
  /** ts of the message recorded by this request. */
  ts?: string;
}

export interface FakeSlack {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `slackApiUrl` for WebClient: `http://127.0.0.1:PORT/api/` */
  readonly apiUrl: string;
  /** Full URL of a hook (default hook: the first one). */
  webhookUrl(hook?: string): string;
  /** Accepted messages, oldest first; filtered by channel id or hook name. */
  messages(channelOrHook?: string): SlackMessage[];
  message(ts: string): SlackMessage | undefined;
  /** Replies whose parent is `parentTs`, oldest first. */
  threadReplies(parentTs: string): SlackMessage[];
  requests(filter?: { kind?: SlackRequest['kind']; hook?: string; apiMethod?: string }): SlackRequest[];
  /** The next `times` requests to `hook` get `fault` (`Infinity` = until reset). */
  failWebhook(hook: string, fault: SlackWebhookFault, times?: number): void;
  /** The next `times` calls of `method` (`'*'` = any) get `fault`. */
  failApi(method: SlackApiMethod | '*', fault: SlackApiFault, times?: number): void;
  /** Change membership / archival of a Web API channel. */
  setChannel(id: string, patch: Partial<Omit<SlackChannelConfig, 'id'>>): void;
  /** Later calls with this token answer `token_revoked`. */
  revokeToken(token: string): void;
  /** Forget messages, requests and pending faults (config and channel state stay). */
  reset(): void;
  close(): Promise<void>;
}

interface PendingFault<F> {
  fault: F;
  remaining: number;
}

interface ChannelState {
  id: string;
  name: string;
  isMember: boolean;
  isArchived: boolean;
  isPrivate: boolean;
}

const DEFAULT_TOKEN = 'xoxb-fake-token';
const MAX_BODY_BYTES = 5 * 1024 * 1024;
const TEAM_ID = 'T0FAKE';
const BOT_USER_ID = 'U0FAKEBOT';
const BOT_ID = 'B0FAKEBOT';

/** Starts a fake Slack; `await fake.close()` when done. */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const limits: SlackLimits = { ...SLACK_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const hookConfigs = options.hooks ?? [{ name: 'default' }];
  if (hookConfigs.length === 0) throw new Error('fake slack: at least one hook');
  const hooks = hookConfigs.map((h, i) => ({
    name: h.name,
    path: h.path ?? `/services/${TEAM_ID}/B0${String(i).padStart(8, '0')}/${pseudoSecret(h.name)}`,
    channel: h.channel ?? h.name,
  }));
  const hooksByPath = new Map(hooks.map((h) => [h.path, h]));
  const channels = new Map<string, ChannelState>(
    (options.channels ?? [{ id: 'C0SECVULN', name: 'sec-vuln' }]).map((c) => [
      c.id,
      { id: c.id, name: c.name, isMember: c.isMember ?? true, isArchived: c.isArchived ?? false, isPrivate: c.isPrivate ?? false },
    ]),
  );
  const tokens = new Set(options.tokens ?? [DEFAULT_TOKEN]);
  const revoked = new Set<string>();

  let messages: SlackMessage[] = [];
  let requests: SlackRequest[] = [];
  let webhookFaults = new Map<string, PendingFault<SlackWebhookFault>[]>();
  let apiFaults = new Map<string, PendingFault<SlackApiFault>[]>();
  const timers = new Set<NodeJS.Timeout>();
  let lastMicros = 0;

  /** Unique, strictly increasing `seconds.micros` ts. */
  const nextTs = (): string => {
    const micros = Math.max(Math.floor(now() * 1000), lastMicros + 1);
    lastMicros = micros;
    return `${Math.floor(micros / 1_000_000)}.${String(micros % 1_000_000).padStart(6, '0')}`;
  };

  const takeFault = <F>(queues: Map<string, PendingFault<F>[]>, keys: string[]): F | undefined => {
    for (const key of keys) {
      const queue = queues.get(key);
      const entry = queue?.find((e) => e.remaining > 0);
      if (entry) {
        entry.remaining -= 1;
        return entry.fault;
      }
    }
    return undefined;
  };

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const resolveChannel = (arg: string): ChannelState | undefined => {
    const byId = channels.get(arg);
    if (byId) return byId;
    const name = arg.startsWith('#') ? arg.slice(1) : arg;
    return [...channels.values()].find((c) => c.name === name);
  };

  /** Common checks on a message payload; returns a Slack error (and block errors) or nothing. */
  const checkMessage = (
    p: Record<string, unknown>,
  ): { error: string; errors?: string[] } | undefined => {
    const blocks = p.blocks;
    if (blocks !== undefined && !Array.isArray(blocks)) return { error: 'invalid_blocks_format' };
    const attachments = p.attachments;
    if (attachments !== undefined && !Array.isArray(attachments)) return { error: 'invalid_attachments' };
    const hasText = typeof p.text === 'string' && p.text.length > 0;
    const hasBlocks = Array.isArray(blocks) && blocks.length > 0;
    const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
    if (!hasText && !hasBlocks && !hasAttachments) return { error: 'no_text' };
    if (typeof p.text === 'string' && p.text.length > limits.text) return { error: 'msg_too_long' };
    if (Array.isArray(attachments) && attachments.length > limits.attachments) return { error: 'too_many_attachments' };
    if (hasBlocks) {
      const errors = checkSlackBlocks(blocks, limits);
      if (errors.length > 0) return { error: 'invalid_blocks', errors };
      if (slackBlocksLength(blocks) > limits.blocksChars) return { error: 'msg_blocks_too_long' };
    }
    return undefined;
  };

  const send = (res: ServerResponse, rec: SlackRequest, status: number, body: string, headers: Record<string, string>): void => {
    rec.status = status;
    rec.response = body;
    if (res.destroyed) return;
    res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
  const sendText = (res: ServerResponse, rec: SlackRequest, status: number, body: string, extra: Record<string, string> = {}): void =>
    send(res, rec, status, body, { 'Content-Type': 'text/plain; charset=utf-8', ...extra });
  const sendJson = (res: ServerResponse, rec: SlackRequest, status: number, body: unknown, extra: Record<string, string> = {}): void =>
    send(res, rec, status, JSON.stringify(body), { 'Content-Type': 'application/json; charset=utf-8', ...extra });
  const drop = (req: IncomingMessage, res: ServerResponse): void => {
    res.destroy();
    req.socket.destroy();
  };

  /** Applies hang/reset/delay before processing; returns false when the request is finished. */
  const applyTransportFault = async (
    fault: SlackWebhookFault | SlackApiFault | undefined,
    req: IncomingMessage,
    res: ServerResponse,
    rec: SlackRequest,
  ): Promise<boolean> => {
    if (!fault) return true;
    rec.fault = fault;
    if (fault.type === 'hang') {
      rec.outcome = 'fault';
      return false;
    }
    if (fault.type === 'reset') {
      rec.outcome = 'fault';
      drop(req, res);
      return false;
    }
    if (fault.type === 'delay') await wait(fault.ms);
    return true;
  };

  const handleWebhook = async (
    hook: (typeof hooks)[number],
    req: IncomingMessage,
    res: ServerResponse,
    rec: SlackRequest,
  ): Promise<void> => {
    const fault = takeFault(webhookFaults, [hook.name]);
    if (!(await applyTransportFault(fault, req, res, rec))) return;
    const reject = (error: string, errors?: string[], status?: number): void => {
      rec.outcome = fault?.type === 'error' ? 'fault' : 'rejected';
      rec.error = error;
      if (errors) rec.errors = errors;
      sendText(res, rec, status ?? WEBHOOK_ERROR_STATUS[error as SlackWebhookErrorCode] ?? 400, error);
    };
    if (fault?.type === 'error') return reject(fault.error, undefined, fault.status);
    if (fault?.type === 'rate-limited') {
      rec.outcome = 'fault';
      rec.error = 'rate_limited';
      return sendText(res, rec, 429, 'rate_limited', { 'Retry-After': String(fault.retryAfter ?? 1) });
    }
    if (req.method !== 'POST') return reject('invalid_payload');
    const payload = parseWebhookBody(rec.body, req.headers['content-type']);
    if (!payload) return reject('invalid_payload');
    const problem = checkMessage(payload);
    if (problem) {
      // Webhooks report every block problem, including the total length, as `invalid_blocks` (UNCONFIRMED for the latter).
      const code =
        problem.error === 'msg_blocks_too_long' || problem.error === 'invalid_blocks_format' ? 'invalid_blocks' : problem.error;
      return reject(code, problem.errors ?? (problem.error === 'msg_blocks_too_long' ? ['msg_blocks_too_long'] : undefined));
    }
    const threadTs = typeof payload.thread_ts === 'string' && payload.thread_ts !== '' ? payload.thread_ts : undefined;
    const parent = threadTs === undefined ? undefined : messages.find((m) => m.ts === threadTs && m.channel === hook.channel);
    const msg = record({
      via: 'webhook',
      channel: hook.channel,
      hook: hook.name,
      payload,
      threadTs,
      parentTs: parent ? (parent.parentTs ?? parent.ts) : threadTs,
    });
    rec.ts = msg.ts;
    rec.outcome = 'accepted';
    if (fault?.type === 'drop-after-accept') return drop(req, res);
    sendText(res, rec, 200, 'ok');
  };

  const record = (m: {
    via: SlackMessage['via'];
    channel: string;
    hook?: string;
    payload: Record<string, unknown>;
    threadTs: string | undefined;
    parentTs: string | undefined;
  }): SlackMessage => {
    const msg: SlackMessage = {
      ts: nextTs(),
      via: m.via,
      channel: m.channel,
      payload: m.payload,
      receivedAt: now(),
    };
    if (m.hook !== undefined) msg.hook = m.hook;
    if (typeof m.payload.text === 'string') msg.text = m.payload.text;
    if (Array.isArray(m.payload.blocks)) msg.blocks = m.payload.blocks;
    if (Array.isArray(m.payload.attachments)) msg.attachments = m.payload.attachments;
    if (m.threadTs !== undefined) msg.threadTs = m.threadTs;
    if (m.parentTs !== undefined) msg.parentTs = m.parentTs;
    messages.push(msg);
    return msg;
  };

  const handleApi = async (method: string, req: IncomingMessage, res: ServerResponse, rec: SlackRequest): Promise<void> => {
    const fault = takeFault(apiFaults, [method, '*']);
    if (!(await applyTransportFault(fault, req, res, rec))) return;
    const fail = (error: string, extra: Record<string, unknown> = {}): void => {
      rec.outcome = fault?.type === 'error' ? 'fault' : 'rejected';
      rec.error = error;
      sendJson(res, rec, 200, { ok: false, error, ...extra });
    };
    if (fault?.type === 'rate-limited') {
      rec.outcome = 'fault';
      rec.error = 'ratelimited';
      return sendJson(res, rec, 429, { ok: false, error: 'ratelimited' }, { 'Retry-After': String(fault.retryAfter ?? 1) });
    }
    if (fault?.type === 'http') {
      rec.outcome = 'fault';
      return sendText(res, rec, fault.status, fault.body ?? '');
    }
    if (fault?.type === 'error') return fail(fault.error);

    const params = parseApiBody(rec.body, req.headers['content-type']);
    if (!params) return fail('invalid_form_data');
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : typeof params.token === 'string' ? params.token : '';
    if (token === '') return fail('not_authed');
    if (revoked.has(token)) return fail('token_revoked');
    if (!tokens.has(token)) return fail('invalid_auth');

    const ok = (body: Record<string, unknown>): void => {
      rec.outcome = 'accepted';
      sendJson(res, rec, 200, { ok: true, ...body }, { 'X-OAuth-Scopes': 'chat:write,channels:read,groups:read' });
    };

    if (method === 'auth.test') {
      return ok({
        url: 'https://fake-workspace.slack.com/',
        team: 'Fake Workspace',
        user: 'vulnledger',
        team_id: TEAM_ID,
        user_id: BOT_USER_ID,
        bot_id: BOT_ID,
        is_enterprise_install: false,
      });
    }
    if (method === 'conversations.info') {
      // Needs the channel id; a `#name` is not found (as on Slack).
      const channel = typeof params.channel === 'string' ? channels.get(params.channel) : undefined;
      if (!channel) return fail('channel_not_found');
      return ok({
        channel: {
          id: channel.id,
          name: channel.name,
          is_channel: !channel.isPrivate,
          is_group: false,
          is_private: channel.isPrivate,
          is_archived: channel.isArchived,
          is_member: channel.isMember,
          created: 1_700_000_000,
        },
      });
    }
    if (method === 'chat.postMessage') {
      const channel = typeof params.channel === 'string' ? resolveChannel(params.channel) : undefined;
      if (!channel) return fail('channel_not_found');
      if (channel.isArchived) return fail('is_archived');
      if (!channel.isMember) return fail('not_in_channel');
      const payload: Record<string, unknown> = { ...params };
      delete payload.token;
      for (const key of ['blocks', 'attachments', 'metadata'] as const) {
        const v = payload[key];
        if (typeof v !== 'string') continue;
        try {
          payload[key] = JSON.parse(v) as unknown;
        } catch {
          return fail(key === 'blocks' ? 'invalid_blocks_format' : key === 'attachments' ? 'invalid_attachments' : 'invalid_metadata_format');
        }
      }
      const problem = checkMessage(payload);
      if (problem) {
        if (problem.errors) {
          rec.errors = problem.errors;
          return fail(problem.error, {
            errors: problem.errors,
            response_metadata: { messages: problem.errors.map((e) => `[ERROR] ${e}`) },
          });
        }
        return fail(problem.error);
      }
      const threadTs = typeof payload.thread_ts === 'string' && payload.thread_ts !== '' ? payload.thread_ts : undefined;
      let parentTs: string | undefined;
      if (threadTs !== undefined) {
        const parent = messages.find((m) => m.ts === threadTs && m.channel === channel.id);
        if (!parent) return fail('thread_not_found');
        parentTs = parent.parentTs ?? parent.ts;
      }
      const msg = record({ via: 'api', channel: channel.id, payload, threadTs, parentTs });
      rec.ts = msg.ts;
      rec.outcome = 'accepted';
      if (fault?.type === 'drop-after-accept') return drop(req, res);
      const message: Record<string, unknown> = {
        type: 'message',
        user: BOT_USER_ID,
        bot_id: BOT_ID,
        team: TEAM_ID,
        text: msg.text ?? '',
        ts: msg.ts,
      };
      if (msg.blocks) message.blocks = msg.blocks;
      if (msg.attachments) message.attachments = msg.attachments;
      if (parentTs !== undefined) {
        message.thread_ts = parentTs;
        message.parent_user_id = BOT_USER_ID;
      }
      return ok({ channel: channel.id, ts: msg.ts, message });
    }
    rec.outcome = 'rejected';
    rec.error = 'unknown_method';
    sendJson(res, rec, 404, { ok: false, error: 'unknown_method', req_method: method });
  };

  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hook = hooksByPath.get(url.pathname);
    const apiMethod = url.pathname.startsWith('/api/') ? url.pathname.slice('/api/'.length) : undefined;
    const rec: SlackRequest = {
      kind: hook ? 'webhook' : apiMethod !== undefined ? 'api' : 'other',
      method: req.method ?? 'GET',
      path: url.pathname,
      headers: req.headers,
      body: '',
      receivedAt: now(),
      outcome: 'pending',
    };
    if (hook) rec.hook = hook.name;
    if (apiMethod !== undefined) rec.apiMethod = apiMethod;
    requests.push(rec);
    readBody(req)
      .then(async (body) => {
        rec.body = body;
        if (hook) return handleWebhook(hook, req, res, rec);
        if (apiMethod !== undefined) return handleApi(apiMethod, req, res, rec);
        rec.outcome = 'rejected';
        // An unknown hook path: a deleted or mistyped webhook (404 `no_service`, UNCONFIRMED).
        if (url.pathname.startsWith('/services/')) {
          rec.error = 'no_service';
          return sendText(res, rec, 404, 'no_service');
        }
        sendText(res, rec, 404, 'not_found');
      })
      .catch(() => {
        rec.outcome = 'fault';
        drop(req, res);
      });
  });
  server.keepAliveTimeout = 1000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;

  const findHook = (name: string | undefined): (typeof hooks)[number] => {
    const hook = name === undefined ? hooks[0] : hooks.find((h) => h.name === name);
    if (!hook) throw new Error(`fake slack: no hook named ${String(name)}`);
    return hook;
  };

  return {
    url: base,
    apiUrl: `${base}/api/`,
    webhookUrl: (name) => `${base}${findHook(name).path}`,
    messages: (channelOrHook) =>
      channelOrHook === undefined ? [...messages] : messages.filter((m) => m.channel === channelOrHook || m.hook === channelOrHook),
    message: (ts) => messages.find((m) => m.ts === ts),
    threadReplies: (parentTs) => messages.filter((m) => m.parentTs === parentTs),
    requests: (filter = {}) =>
      requests.filter(
        (r) =>
          (filter.kind === undefined || r.kind === filter.kind) &&
          (filter.hook === undefined || r.hook === filter.hook) &&
          (filter.apiMethod === undefined || r.apiMethod === filter.apiMethod),
      ),
    failWebhook: (name, fault, times = 1) => {
      const hook = findHook(name);
      const queue = webhookFaults.get(hook.name) ?? [];
      queue.push({ fault, remaining: times });
      webhookFaults.set(hook.name, queue);
    },
    failApi: (method, fault, times = 1) => {
      const queue = apiFaults.get(method) ?? [];
      queue.push({ fault, remaining: times });
      apiFaults.set(method, queue);
    },
    setChannel: (id, patch) => {
      const channel = channels.get(id);
      if (!channel) throw new Error(`fake slack: no channel ${id}`);
      Object.assign(channel, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
    },
    revokeToken: (token) => {
      revoked.add(token);
    },
    reset: () => {
      messages = [];
      requests = [];
      webhookFaults = new Map();
      apiFaults = new Map();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Block Kit problems in Slack's wording (`must be less than 3001 characters [json-pointer:/blocks/0/text/text]`),
 * empty when the blocks are within every per-block limit. The total-length check is separate
 * ({@link slackBlocksLength}). Usable on its own in render tests.
 */
export function checkSlackBlocks(blocks: unknown, limits: SlackLimits = SLACK_LIMITS): string[] {
  const errors: string[] = [];
  const err = (message: string, pointer: string): void => {
    errors.push(`${message} [json-pointer:${pointer}]`);
  };
  if (!Array.isArray(blocks)) {
    err('must provide an array', '/blocks');
    return errors;
  }
  if (blocks.length > limits.maxBlocks) err(`no more than ${limits.maxBlocks} items allowed`, '/blocks');

  const textObject = (
    v: unknown,
    ptr: string,
    opts: { min: number; max?: number; plainOnly?: boolean },
  ): void => {
    if (!isRecord(v)) return err('must provide an object', ptr);
    const allowed = opts.plainOnly ? ['plain_text'] : ['plain_text', 'mrkdwn'];
    if (typeof v.type !== 'string' || !allowed.includes(v.type)) err('must be a valid enum value', `${ptr}/type`);
    if (typeof v.text !== 'string') return err('must provide a string', `${ptr}/text`);
    if (v.text.length < opts.min) err(`must be more than ${opts.min - 1} characters`, `${ptr}/text`);
    if (opts.max !== undefined && v.text.length > opts.max) err(`must be less than ${opts.max + 1} characters`, `${ptr}/text`);
  };
  const url = (v: unknown, ptr: string, required: boolean): void => {
    if (v === undefined) {
      if (required) err('missing required field: url', ptr);
      return;
    }
    if (typeof v !== 'string') return err('must provide a string', ptr);
    if (v.length > limits.url) err(`must be less than ${limits.url + 1} characters`, ptr);
  };
  const element = (v: unknown, ptr: string): void => {
    if (!isRecord(v) || typeof v.type !== 'string') return err('must provide an object with a type', ptr);
    if (v.action_id !== undefined && (typeof v.action_id !== 'string' || v.action_id.length > limits.blockId)) {
      err(`must be less than ${limits.blockId + 1} characters`, `${ptr}/action_id`);
    }
    if (v.type === 'button') {
      textObject(v.text, `${ptr}/text`, { min: 1, max: limits.buttonText, plainOnly: true });
      url(v.url, `${ptr}/url`, false);
    } else if (v.type === 'image') {
      if (v.image_url === undefined && v.slack_file === undefined) err('missing required field: image_url', ptr);
      url(v.image_url, `${ptr}/image_url`, false);
      if (typeof v.alt_text !== 'string') err('missing required field: alt_text', ptr);
    }
  };

  const seenIds = new Set<string>();
  blocks.forEach((block: unknown, i) => {
    const ptr = `/blocks/${i}`;
    if (!isRecord(block)) return err('must provide an object', ptr);
    if (block.block_id !== undefined) {
      if (typeof block.block_id !== 'string') err('must provide a string', `${ptr}/block_id`);
      else {
        if (block.block_id.length > limits.blockId) err(`must be less than ${limits.blockId + 1} characters`, `${ptr}/block_id`);
        if (seenIds.has(block.block_id)) err('duplicate block_id', `${ptr}/block_id`);
        seenIds.add(block.block_id);
      }
    }
    switch (block.type) {
      case 'section': {
        if (block.text === undefined && block.fields === undefined) err('must provide either text or fields', ptr);
        if (block.text !== undefined) textObject(block.text, `${ptr}/text`, { min: 1, max: limits.sectionText });
        if (block.fields !== undefined) {
          if (!Array.isArray(block.fields)) err('must provide an array', `${ptr}/fields`);
          else {
            if (block.fields.length > limits.sectionFields) err(`no more than ${limits.sectionFields} items allowed`, `${ptr}/fields`);
            block.fields.forEach((f: unknown, j) => textObject(f, `${ptr}/fields/${j}`, { min: 1, max: limits.fieldText }));
          }
        }
        if (block.accessory !== undefined) element(block.accessory, `${ptr}/accessory`);
        return;
      }
      case 'header':
        return textObject(block.text, `${ptr}/text`, { min: 1, max: limits.headerText, plainOnly: true });
      case 'context': {
        if (!Array.isArray(block.elements) || block.elements.length === 0) return err('must provide a non-empty array', `${ptr}/elements`);
        if (block.elements.length > limits.contextElements) err(`no more than ${limits.contextElements} items allowed`, `${ptr}/elements`);
        block.elements.forEach((e: unknown, j) => {
          const ep = `${ptr}/elements/${j}`;
          if (isRecord(e) && e.type === 'image') element(e, ep);
          else textObject(e, ep, { min: 1 });
        });
        return;
      }
      case 'actions': {
        if (!Array.isArray(block.elements) || block.elements.length === 0) return err('must provide a non-empty array', `${ptr}/elements`);
        if (block.elements.length > limits.actionsElements) err(`no more than ${limits.actionsElements} items allowed`, `${ptr}/elements`);
        block.elements.forEach((e: unknown, j) => element(e, `${ptr}/elements/${j}`));
        return;
      }
      case 'markdown': {
        if (typeof block.text !== 'string') return err('must provide a string', `${ptr}/text`);
        if (block.text.length < 1) err('must be more than 0 characters', `${ptr}/text`);
        if (block.text.length > limits.markdownText) err(`must be less than ${limits.markdownText + 1} characters`, `${ptr}/text`);
        return;
      }
      case 'image': {
        element(block, ptr);
        if (block.title !== undefined) textObject(block.title, `${ptr}/title`, { min: 1, max: 2000, plainOnly: true });
        return;
      }
      case 'rich_text':
        if (!Array.isArray(block.elements)) err('must provide an array', `${ptr}/elements`);
        return;
      case 'divider':
      case 'file':
      case 'video':
      case 'input':
      case 'table':
        return;
      default:
        return err(typeof block.type === 'string' ? `unsupported type: ${block.type}` : 'missing required field: type', ptr);
    }
  });
  return errors;
}

/** The measure the fake compares with `blocksChars`: the length of the serialized blocks array (UNCONFIRMED). */
export function slackBlocksLength(blocks: readonly unknown[]): number {
  return JSON.stringify(blocks).length;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON body (or the legacy `payload=` form); undefined when malformed or not an object. */
function parseWebhookBody(body: string, contentType: string | undefined): Record<string, unknown> | undefined {
  let text = body;
  if (contentType?.startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(body).get('payload');
    if (payload === null) return undefined;
    text = payload;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return isRecord(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Web API parameters: form-urlencoded (what the SDK sends) or JSON; undefined when unparsable. */
function parseApiBody(body: string, contentType: string | undefined): Record<string, unknown> | undefined {
  if (contentType?.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body);
      return isRecord(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  if (contentType !== undefined && contentType.startsWith('multipart/')) return undefined;
  return Object.fromEntries(new URLSearchParams(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('aborted')));
  });
}

/** A stable 24-char token-looking segment per hook name. */
function pseudoSecret(name: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let h = 2166136261;
  let out = '';
  for (let i = 0; i < 24; i += 1) {
    h ^= name.charCodeAt(i % Math.max(1, name.length)) + i;
    h = Math.imul(h, 16777619) >>> 0;
    out += alphabet[h % alphabet.length];
  }
  return out;
}
