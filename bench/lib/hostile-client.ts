// The client side of the hostile benchmark: requests that report their status
// and time instead of throwing, and a multipart upload that trickles.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { sleep } from './stall-meter.js';

export interface Answer {
  status: number;
  ms: number;
  body: string;
}

/** One request; status 0 when it failed or was aborted (the body is then the error). */
export async function send(url: string, init: RequestInit & { signal: AbortSignal }): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    const body = await response.text();
    return { status: response.status, ms: performance.now() - started, body };
  } catch (error) {
    return { status: 0, ms: performance.now() - started, body: (error as Error).message };
  }
}

export function csvForm(csv: string | Buffer): FormData {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'contacts.csv');
  return form;
}

export async function uploadCsv(url: string, key: string, csv: string | Buffer, signal: AbortSignal): Promise<Answer & { jobId?: string }> {
  const answer = await send(`${url}/contacts/import`, { method: 'POST', body: csvForm(csv), headers: { authorization: `Bearer ${key}` }, signal });
  const jobId = answer.status === 202 ? (JSON.parse(answer.body) as { jobId: string }).jobId : undefined;
  return { ...answer, jobId };
}

/** Polls a job until it ends; its state ('timeout' if `signal` fires first) and the time from the call. */
export async function waitForJob(url: string, key: string, path: string, signal: AbortSignal): Promise<{ state: string; ms: number; result?: unknown }> {
  const started = performance.now();
  while (!signal.aborted) {
    const answer = await send(url + path, { headers: { authorization: `Bearer ${key}` }, signal });
    if (answer.status === 200) {
      const job = JSON.parse(answer.body) as { state: string; result?: unknown };
      if (job.state === 'completed' || job.state === 'failed') return { state: job.state, ms: performance.now() - started, result: job.result };
    }
    await sleep(50);
  }
  return { state: 'timeout', ms: performance.now() - started };
}

/** Runs `count` copies of `work` at once. */
export function concurrently<T>(count: number, work: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => work(i)));
}

export function summarize(answers: Answer[]): string {
  const statuses = new Map<number, number>();
  for (const answer of answers) statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  const worst = Math.max(...answers.map((answer) => answer.ms));
  const list = [...statuses].map(([status, n]) => `${n}×${status === 0 ? 'no answer' : status}`).join(', ');
  return `${list}; slowest answer ${worst.toFixed(0)} ms`;
}

/**
 * An upload through node:http rather than fetch: a server that refuses it
 * (503) and closes the connection before reading the body still gets its
 * answer read, where fetch reports only the broken pipe.
 */
export function uploadCsvRaw(url: string, key: string, csv: string, signal: AbortSignal): Promise<Answer> {
  const boundary = 'hostilebenchboundary';
  const body = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`,
  );
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, text: string) => resolve({ status, ms: performance.now() - started, body: text });
    const outgoing = request(
      `${url}/contacts/import`,
      {
        method: 'POST',
        signal,
        headers: { authorization: `Bearer ${key}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => done(response.statusCode ?? 0, text));
        response.on('error', () => done(response.statusCode ?? 0, text));
      },
    );
    outgoing.on('error', (error) => setTimeout(() => done(0, error.message), 50));
    outgoing.end(body);
  });
}

/**
 * A multipart upload to /contacts/import that sends its headers and the start
 * of the file, then one byte every `everyMs`. Resolves `answered` with the
 * status line if the server answers before `close` is called.
 */
export function trickleUpload(url: string, key: string, everyMs: number): { close(): void; answered: Promise<string | undefined> } {
  const { hostname, port } = new URL(url);
  const boundary = 'hostilebenchboundary';
  const socket: Socket = connect(Number(port), hostname);
  let timer: NodeJS.Timeout | undefined;
  const answered = new Promise<string | undefined>((resolve) => {
    socket.once('data', (chunk) => resolve(chunk.toString('latin1').split('\r\n')[0]));
    socket.once('close', () => resolve(undefined));
    socket.once('error', () => resolve(undefined));
  });
  socket.once('connect', () => {
    socket.write(
      `POST /contacts/import HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${key}\r\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 1000000\r\n\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="slow.csv"\r\nContent-Type: text/csv\r\n\r\nemail\n`,
    );
    timer = setInterval(() => socket.write('a'), everyMs);
  });
  return {
    close() {
      clearInterval(timer);
      socket.destroy();
    },
    answered,
  };
}
