// A webhook receiver for tests: a real node:http server on 127.0.0.1 that
// verifies every delivery with the `standardwebhooks` package (as a
// customer's receiver would) and records it. What it answers is the test's
// choice, request by request: a status and body, a delay, or no answer.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface Received {
  id: string;
  timestamp: string;
  /** The payload as the library verified and parsed it; undefined when verification failed. */
  payload: { type: string; timestamp: string; data: any } | undefined;
  verifyError: string | undefined;
  /** The raw body and headers as they arrived. */
  body: string;
  headers: IncomingMessage['headers'];
  at: number;
}

/** What to answer a request with: a status (and body), a delay first, or `hang` (never answer). */
export interface Answer {
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  hang?: boolean;
}

export interface Receiver {
  url: string;
  /** Every request, in arrival order, verified or not. */
  received: Received[];
  /** Set once the endpoint's secret is known (the create answer); requests before that fail verification. */
  secret: string | undefined;
  /** Chooses each answer (default 204); `n` counts requests from 1. */
  answer: (request: Received, n: number) => Answer;
  /** The most requests that were ever being answered at once with the same webhook-id. */
  maxConcurrentPerId: number;
  /** The most requests that were ever being answered at once, whatever their ids. */
  maxConcurrent: number;
  /** Resolves once `predicate` holds of the requests, polling; rejects after `timeoutMs`. */
  waitFor(predicate: (received: Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(path = '/hook'): Promise<Receiver> {
  const inFlight = new Map<string, number>();
  const hanging = new Set<import('node:http').ServerResponse>();
  let count = 0;
  let answering = 0;
  const receiver: Receiver = {
    url: '',
    received: [],
    secret: undefined,
    answer: () => ({ status: 204 }),
    maxConcurrentPerId: 0,
    maxConcurrent: 0,
    async waitFor(predicate, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(receiver.received)) {
        if (Date.now() > deadline) {
          throw new Error(`the receiver did not get what was expected within ${timeoutMs} ms; got ${receiver.received.length} requests:\n` +
            receiver.received.map((r) => `${r.id} ${r.payload?.type ?? r.verifyError}`).join('\n'));
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(request.headers['webhook-id'] ?? '');
      const record: Received = {
        id,
        timestamp: String(request.headers['webhook-timestamp'] ?? ''),
        payload: undefined,
        verifyError: undefined,
        body,
        headers: request.headers,
        at: Date.now(),
      };
      try {
        if (!receiver.secret) throw new Error('no secret yet');
        record.payload = new Webhook(receiver.secret).verify(body, request.headers as Record<string, string>) as Received['payload'];
      } catch (error) {
        record.verifyError = (error as Error).message;
      }
      receiver.received.push(record);
      const now = (inFlight.get(id) ?? 0) + 1;
      inFlight.set(id, now);
      receiver.maxConcurrentPerId = Math.max(receiver.maxConcurrentPerId, now);
      receiver.maxConcurrent = Math.max(receiver.maxConcurrent, ++answering);
      const done = () => {
        inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
        answering--;
      };
      response.on('close', done);
      const answer = receiver.answer(record, ++count);
      if (answer.hang) {
        hanging.add(response);
        return;
      }
      const reply = () => {
        response.writeHead(answer.status ?? 204, answer.headers);
        response.end(answer.body);
      };
      if (answer.delayMs) setTimeout(reply, answer.delayMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}
