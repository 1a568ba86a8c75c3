// One attempt to POST a message: a fresh connection (no pooling across
// endpoints), to the address the SSRF guard checked when private addresses
// are refused, bounded in time as a whole (WEBHOOK_TIMEOUT_MS, answer
// included), redirects never followed, and at most 1 KiB of the answer kept.
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import { AddressRefusedError, checkedAddress, hostOf } from './address-guard.js';

/** Bytes of a receiver's answer kept in the deliveries log. */
export const KEPT_BODY_BYTES = 1024;

/** How an attempt ended: the label of the deliveries counter too. */
export type AttemptKind = 'succeeded' | 'http_error' | 'redirect' | 'timeout' | 'network_error' | 'address_refused';

export interface AttemptResult {
  kind: AttemptKind;
  status: number | null;
  /** The start of the answer's body, as text; null when no answer came. */
  body: string | null;
  /** Why it failed, in words; null when it succeeded. */
  error: string | null;
  durationMs: number;
}

export interface SendOptions {
  timeoutMs: number;
  /** Skip the address check (WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate: boolean;
}

/** A lookup that answers the address already checked, whatever node asks for. */
function pinnedLookup(address: string, family: 4 | 6): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (error: null, addresses: { address: string; family: number }[]) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
}

function networkError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset by the endpoint';
    case 'ENOTFOUND':
      return 'the host name does not resolve';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host cannot be reached';
  }
  // TLS failures carry codes such as CERT_HAS_EXPIRED; the message names them.
  return error.code ? `${error.code}: ${error.message}` : error.message;
}

export async function send(url: string, body: string, headers: Record<string, string>, options: SendOptions): Promise<AttemptResult> {
  const startedAt = Date.now();
  const ended = (result: Omit<AttemptResult, 'durationMs'>): AttemptResult => ({ ...result, durationMs: Date.now() - startedAt });
  const target = new URL(url);
  let lookup: LookupFunction | undefined;
  if (!options.allowPrivate) {
    try {
      const { address, family } = await checkedAddress(hostOf(target));
      lookup = pinnedLookup(address, family);
    } catch (error) {
      if (!(error instanceof AddressRefusedError)) throw error;
      return ended({ kind: 'address_refused', status: null, body: null, error: error.message });
    }
  }
  const remaining = Math.max(1, options.timeoutMs - (Date.now() - startedAt));
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(ended(result));
    };
    const request = client.request(target, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Rolodex-Webhooks/1' },
      agent: false,
      lookup,
    });
    const timer = setTimeout(
      () => finish({ kind: 'timeout', status: null, body: null, error: `no complete answer within ${options.timeoutMs} ms` }),
      remaining,
    );
    request.on('error', (error: NodeJS.ErrnoException) => finish({ kind: 'network_error', status: null, body: null, error: networkError(error) }));
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      const decoder = new StringDecoder('utf8');
      let kept = '';
      let bytes = 0;
      const done = () => {
        const text = kept;
        if (status >= 200 && status < 300) return finish({ kind: 'succeeded', status, body: text, error: null });
        if (status >= 300 && status < 400) {
          return finish({ kind: 'redirect', status, body: text, error: `the endpoint answered ${status}; redirects are not followed` });
        }
        return finish({ kind: 'http_error', status, body: text, error: `the endpoint answered ${status}` });
      };
      response.on('data', (chunk: Buffer) => {
        const room = KEPT_BODY_BYTES - bytes;
        // A character cut at the limit is left out, never kept in halves.
        kept += decoder.write(chunk.subarray(0, room));
        bytes += Math.min(room, chunk.length);
        if (bytes >= KEPT_BODY_BYTES) done();
      });
      response.on('end', done);
      response.on('error', () => done());
    });
    request.end(body);
  });
}
