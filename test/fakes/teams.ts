/**
 * Fake Microsoft Teams Workflows webhook ("When a Teams webhook request is received") for tests:
 * a node:http server on 127.0.0.1 (port 0). A request needs the `sig` query parameter, must fit in
 * 28 KB and must carry an Adaptive Card ≤ 1.5 in the `{type:'message', attachments:[…]}` envelope with
 * `Action.OpenUrl` as the only action. Success is 202 with an empty body; > 4 requests a second → 429.
 * The real service accepts any JSON with 202 and fails later in the flow run history; the 400/413
 * answers here are a fake-only choice that makes those failures visible. See slack-teams.readme.md.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One Workflows trigger URL. */
export interface TeamsHookConfig {
  /** Handle used by tests (`webhookUrl('alerts')`, `cards('alerts')`). */
  name: string;
  /** Defaults to `/powerautomate/automations/direct/workflows/<id>/triggers/manual/paths/invoke`. */
  path?: string;
  /** The `sig` query value; defaults to a fixed fake string per hook. */
  sig?: string;
}

export interface FakeTeamsOptions {
  /** Default: one hook named `default`. */
  hooks?: TeamsHookConfig[];
  /** Whole request body limit in bytes; default 28 * 1024. */
  maxBytes?: number;
  /** Requests a hook admits per rolling second before 429; default 4. */
  maxRequestsPerSecond?: number;
  /** Highest Adaptive Card version accepted; default `1.5`. */
  maxCardVersion?: string;
  /** Retry-After seconds on the automatic 429; default 1. */
  retryAfter?: number;
  /** Clock in epoch ms (rate window, records). */
  now?: () => number;
}

export type TeamsFault =
  /** Read the body, never answer (until close). Nothing recorded. */
  | { type: 'hang' }
  /** Destroy the connection without answering. Nothing recorded. */
  | { type: 'reset' }
  /** Wait, then process normally. */
  | { type: 'delay'; ms: number }
  /** Validate and record the card, then destroy the connection: "accepted but response lost". */
  | { type: 'drop-after-accept' }
  | { type: 'rate-limited'; retryAfter?: number }
  /** Any status (500, 502, 503 …) with an optional body. */
  | { type: 'http'; status: number; body?: string };

/** A card the fake accepted. */
export interface TeamsCard {
  hook: string;
  /** The `x-ms-workflow-run-id` answered with the 202. */
  runId: string;
  /** The Adaptive Card (`attachments[i].content`). */
  card: Record<string, unknown>;
  /** The whole request body, parsed. */
  envelope: Record<string, unknown>;
  bytes: number;
  receivedAt: number;
}

export type TeamsRequestOutcome = 'accepted' | 'rejected' | 'fault' | 'pending';

/** One HTTP request as the fake saw it (the path without its query, so the sig is not kept). */
export interface TeamsRequest {
  hook?: string;
  method: string;
  path: string;
  hasSig: boolean;
  headers: IncomingHttpHeaders;
  body: string;
  bytes: number;
  receivedAt: number;
  /** Undefined when no response was sent. */
  status?: number;
  response?: string;
  outcome: TeamsRequestOutcome;
  /** Why it was refused (`payload too large`, the card problems …). */
  problems?: string[];
  fault?: TeamsFault;
}

export interface FakeTeams {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** Full trigger URL with `api-version`, `sp`, `sv` and `sig` (default hook: the first one). */
  webhookUrl(hook?: string): string;
  /** Accepted cards, one per attachment, oldest first. */
  cards(hook?: string): TeamsCard[];
  requests(hook?: string): TeamsRequest[];
  /** The next `times` requests to `hook` get `fault` (`Infinity` = until reset). */
  fail(hook: string, fault: TeamsFault, times?: number): void;
  /** Forget cards, requests, faults and the rate window. */
  reset(): void;
  close(): Promise<void>;
}

/** Adaptive Card element and inline types Teams renders up to schema 1.5. */
const KNOWN_TYPES = new Set([
  'AdaptiveCard',
  'TextBlock',
  'RichTextBlock',
  'TextRun',
  'Image',
  'ImageSet',
  'Media',
  'Container',
  'ColumnSet',
  'Column',
  'FactSet',
  'ActionSet',
  'Table',
  'TableRow',
  'TableCell',
  'Input.Text',
  'Input.Number',
  'Input.Date',
  'Input.Time',
  'Input.Toggle',
  'Input.ChoiceSet',
]);

const MAX_READ_BYTES = 5 * 1024 * 1024;

/**
 * Problems with a Workflows request body (empty = acceptable): the envelope, the card type,
 * the version (≤ maxVersion), known element types, and `Action.OpenUrl` as the only action.
 */
export function checkTeamsEnvelope(body: unknown, maxVersion = '1.5'): string[] {
  const problems: string[] = [];
  if (!isRecord(body)) return ['body must be a JSON object'];
  if (body.type !== 'message') problems.push(`type must be "message" (got ${JSON.stringify(body.type)})`);
  if (!Array.isArray(body.attachments) || body.attachments.length === 0) {
    problems.push('attachments must be a non-empty array');
    return problems;
  }
  body.attachments.forEach((a: unknown, i) => {
    const at = `attachments[${i}]`;
    if (!isRecord(a)) return problems.push(`${at} must be an object`);
    if (a.contentType !== 'application/vnd.microsoft.card.adaptive') {
      problems.push(`${at}.contentType must be "application/vnd.microsoft.card.adaptive"`);
    }
    const card = a.content;
    if (!isRecord(card)) return problems.push(`${at}.content must be an object`);
    if (card.type !== 'AdaptiveCard') problems.push(`${at}.content: Property 'type' must be 'AdaptiveCard'`);
    if (typeof card.version !== 'string' || !/^\d+\.\d+$/.test(card.version)) {
      problems.push(`${at}.content.version must be a "major.minor" string`);
    } else if (compareVersions(card.version, maxVersion) > 0) {
      problems.push(`${at}.content.version ${card.version} is above ${maxVersion}`);
    }
    if (!Array.isArray(card.body)) problems.push(`${at}.content.body must be an array`);
    if (card.actions !== undefined && !Array.isArray(card.actions)) problems.push(`${at}.content.actions must be an array`);
    walk(card, `${at}.content`, problems, true);
    return undefined;
  });
  return problems;
}

/** Checks every typed object below a card: known element types, OpenUrl-only actions. */
function walk(node: unknown, path: string, problems: string[], isRoot = false): void {
  if (Array.isArray(node)) {
    node.forEach((v: unknown, i) => walk(v, `${path}[${i}]`, problems));
    return;
  }
  if (!isRecord(node)) return;
  const type = node.type;
  if (typeof type === 'string' && !isRoot) {
    if (type.startsWith('Action.')) {
      if (type !== 'Action.OpenUrl') problems.push(`${path}: only Action.OpenUrl is supported (got ${type})`);
      else if (typeof node.url !== 'string' || !/^https?:\/\//.test(node.url)) problems.push(`${path}.url must be an http(s) URL`);
    } else if (!KNOWN_TYPES.has(type)) {
      problems.push(`${path}: unknown element type ${type}`);
    } else if (type === 'TextBlock' && typeof node.text !== 'string') {
      problems.push(`${path}.text must be a string`);
    }
  }
  for (const [key, value] of Object.entries(node)) {
    // `msteams` carries Teams-only extras (mention entities, width) that are not card elements.
    if (key === 'msteams') continue;
    if (typeof value === 'object' && value !== null) walk(value, `${path}.${key}`, problems);
  }
}

/** Starts a fake Teams Workflows endpoint; `await fake.close()` when done. */
export async function startFakeTeams(options: FakeTeamsOptions = {}): Promise<FakeTeams> {
  const maxBytes = options.maxBytes ?? 28 * 1024;
  const maxPerSecond = options.maxRequestsPerSecond ?? 4;
  const maxVersion = options.maxCardVersion ?? '1.5';
  const autoRetryAfter = options.retryAfter ?? 1;
  const now = options.now ?? Date.now;
  const configs = options.hooks ?? [{ name: 'default' }];
  if (configs.length === 0) throw new Error('fake teams: at least one hook');
  const hooks = configs.map((h, i) => ({
    name: h.name,
    path: h.path ?? `/powerautomate/automations/direct/workflows/${String(i).padStart(32, '0')}/triggers/manual/paths/invoke`,
    sig: h.sig ?? `fake-sig-${h.name}`,
  }));
  const hooksByPath = new Map(hooks.map((h) => [h.path, h]));

  let cards: TeamsCard[] = [];
  let requests: TeamsRequest[] = [];
  let faults = new Map<string, { fault: TeamsFault; remaining: number }[]>();
  let windows = new Map<string, number[]>();
  const timers = new Set<NodeJS.Timeout>();

  const send = (res: ServerResponse, rec: TeamsRequest, status: number, body: string, headers: Record<string, string> = {}): void => {
    rec.status = status;
    rec.response = body;
    if (res.destroyed) return;
    const type = body === '' ? {} : { 'Content-Type': 'application/json; charset=utf-8' };
    res.writeHead(status, { ...type, ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
    res.end(body);
  };
  const sendError = (res: ServerResponse, rec: TeamsRequest, status: number, code: string, message: string, headers: Record<string, string> = {}): void =>
    send(res, rec, status, JSON.stringify({ error: { code, message } }), headers);
  const drop = (req: IncomingMessage, res: ServerResponse): void => {
    res.destroy();
    req.socket.destroy();
  };
  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  const handle = async (hook: (typeof hooks)[number], url: URL, req: IncomingMessage, res: ServerResponse, rec: TeamsRequest): Promise<void> => {
    const reject = (status: number, code: string, problems: string[], headers: Record<string, string> = {}): void => {
      rec.outcome = 'rejected';
      rec.problems = problems;
      sendError(res, rec, status, code, problems.join('; '), headers);
    };
    // Logic Apps error codes for SAS auth (UNCONFIRMED wording).
    const sig = url.searchParams.get('sig');
    if (sig === null || sig === '') return reject(401, 'DirectApiAuthorizationRequired', ['the request must carry a sig']);
    if (sig !== hook.sig) return reject(401, 'DirectApiInvalidAuthorizationSignature', ['the sig is not valid']);

    const queue = faults.get(hook.name);
    const pending = queue?.find((e) => e.remaining > 0);
    if (pending) pending.remaining -= 1;
    const fault = pending?.fault;
    if (fault) {
      rec.fault = fault;
      switch (fault.type) {
        case 'hang':
          rec.outcome = 'fault';
          return;
        case 'reset':
          rec.outcome = 'fault';
          return drop(req, res);
        case 'rate-limited':
          rec.outcome = 'fault';
          return sendError(res, rec, 429, 'WorkflowRequestsThrottled', 'injected throttling', {
            'Retry-After': String(fault.retryAfter ?? autoRetryAfter),
          });
        case 'http':
          rec.outcome = 'fault';
          return send(res, rec, fault.status, fault.body ?? '');
        case 'delay':
          await wait(fault.ms);
          break;
        case 'drop-after-accept':
          break;
      }
    }

    const t = now();
    const window = (windows.get(hook.name) ?? []).filter((at) => at > t - 1000);
    if (window.length >= maxPerSecond) {
      windows.set(hook.name, window);
      return reject(429, 'WorkflowRequestsThrottled', [`more than ${maxPerSecond} requests per second`], {
        'Retry-After': String(autoRetryAfter),
      });
    }
    window.push(t);
    windows.set(hook.name, window);

    if (req.method !== 'POST') return reject(405, 'MethodNotAllowed', [`method ${rec.method} is not POST`]);
    if (rec.bytes > maxBytes) {
      return reject(413, 'PayloadTooLarge', [`The payload is too large (${rec.bytes} bytes); it must be less than 28KB (${maxBytes} bytes)`]);
    }
    let envelope: unknown;
    try {
      envelope = JSON.parse(rec.body);
    } catch {
      return reject(400, 'InvalidRequestContent', ['the body is not valid JSON']);
    }
    const problems = checkTeamsEnvelope(envelope, maxVersion);
    if (problems.length > 0 || !isRecord(envelope)) return reject(400, 'InvalidCard', problems);

    const runId = randomUUID();
    for (const a of envelope.attachments as Record<string, unknown>[]) {
      cards.push({ hook: hook.name, runId, card: a.content as Record<string, unknown>, envelope, bytes: rec.bytes, receivedAt: t });
    }
    rec.outcome = 'accepted';
    if (fault?.type === 'drop-after-accept') return drop(req, res);
    send(res, rec, 202, '', { 'x-ms-workflow-run-id': runId, 'x-ms-request-id': randomUUID() });
  };

  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const hook = hooksByPath.get(url.pathname);
    const rec: TeamsRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      hasSig: url.searchParams.has('sig'),
      headers: req.headers,
      body: '',
      bytes: 0,
      receivedAt: now(),
      outcome: 'pending',
    };
    if (hook) rec.hook = hook.name;
    requests.push(rec);
    readBody(req)
      .then(async (buf) => {
        rec.bytes = buf.length;
        rec.body = buf.toString('utf8');
        if (!hook) {
          rec.outcome = 'rejected';
          return sendError(res, rec, 404, 'WorkflowNotFound', 'no workflow at this path');
        }
        return handle(hook, url, req, res, rec);
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
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const findHook = (name: string | undefined): (typeof hooks)[number] => {
    const hook = name === undefined ? hooks[0] : hooks.find((h) => h.name === name);
    if (!hook) throw new Error(`fake teams: no hook named ${String(name)}`);
    return hook;
  };

  return {
    url: base,
    webhookUrl: (name) => {
      const hook = findHook(name);
      const q = new URLSearchParams({ 'api-version': '1', sp: '/triggers/manual/run', sv: '1.0', sig: hook.sig });
      return `${base}${hook.path}?${q.toString()}`;
    },
    cards: (name) => cards.filter((c) => name === undefined || c.hook === name),
    requests: (name) => requests.filter((r) => name === undefined || r.hook === name),
    fail: (name, fault, times = 1) => {
      const hook = findHook(name);
      const queue = faults.get(hook.name) ?? [];
      queue.push({ fault, remaining: times });
      faults.set(hook.name, queue);
    },
    reset: () => {
      cards = [];
      requests = [];
      faults = new Map();
      windows = new Map();
    },
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** -1, 0, 1 for `major.minor` strings compared numerically (`1.10` > `1.5`). */
function compareVersions(a: string, b: string): number {
  const [am = 0, an = 0] = a.split('.').map(Number);
  const [bm = 0, bn = 0] = b.split('.').map(Number);
  return Math.sign(am - bm || an - bn);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ_BYTES) {
        reject(new Error('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('aborted')));
  });
}
