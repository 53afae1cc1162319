/**
 * Fake receiver of vulnledger's signed webhook events, for tests: a node:http server on 127.0.0.1
 * (port 0) that records every request (headers and the raw body, exactly as received) and answers
 * 204 unless a fault is queued (any status with a body and headers, a hang, a reset). It does not
 * verify signatures itself: tests do, with the secret, over `raw`. See webhook-receiver.readme.md.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type WebhookReceiverFault =
  /** Answer this status (e.g. 400, 410, 429, 500) with an optional body and headers (`Retry-After`). */
  | { type: 'status'; status: number; body?: string; headers?: Record<string, string> }
  /** Read the body, never answer (until close): the client's timeout fires. Still recorded. */
  | { type: 'hang' }
  /** Destroy the connection without answering. Still recorded. */
  | { type: 'reset' };

export interface ReceivedWebhook {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The body exactly as received (what a signature is checked over). */
  raw: Buffer;
  /** The status answered (undefined for hang/reset). */
  status?: number;
  fault?: WebhookReceiverFault;
}

export interface FakeWebhookReceiver {
  /** `http://127.0.0.1:PORT/hooks/vulnledger` */
  readonly url: string;
  requests(): ReceivedWebhook[];
  /** Bodies of requests answered 2xx, parsed. */
  accepted(): unknown[];
  /** The next `times` requests get `fault` (`Infinity` = until reset). */
  fail(fault: WebhookReceiverFault, times?: number): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeWebhookReceiver(options: { successStatus?: number } = {}): Promise<FakeWebhookReceiver> {
  const success = options.successStatus ?? 204;
  let requests: ReceivedWebhook[] = [];
  let faults: Array<{ fault: WebhookReceiverFault; remaining: number }> = [];

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer): void => {
    const rec: ReceivedWebhook = { method: req.method ?? 'GET', path: new URL(req.url ?? '/', 'http://x').pathname, headers: req.headers, raw };
    requests.push(rec);
    const pending = faults.find((f) => f.remaining > 0);
    if (pending) {
      pending.remaining -= 1;
      rec.fault = pending.fault;
      if (pending.fault.type === 'hang') return;
      if (pending.fault.type === 'reset') {
        res.destroy();
        req.socket.destroy();
        return;
      }
      rec.status = pending.fault.status;
      res.writeHead(pending.fault.status, { 'Content-Type': 'text/plain', ...pending.fault.headers });
      res.end(pending.fault.body ?? '');
      return;
    }
    rec.status = success;
    res.writeHead(success);
    res.end();
  };

  const server = createServer((req, res) => {
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
    req.on('error', () => undefined);
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/hooks/vulnledger`,
    requests: () => [...requests],
    accepted: () => requests.filter((r) => r.status !== undefined && r.status < 300).map((r) => JSON.parse(r.raw.toString('utf8')) as unknown),
    fail: (fault, times = 1) => {
      faults.push({ fault, remaining: times });
    },
    reset: () => {
      requests = [];
      faults = [];
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
