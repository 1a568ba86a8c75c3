// A fetch that retries what the server asks to be retried: 429 (rate limit)
// and 503 (database busy, upload slots full), waiting as long as Retry-After
// says. Both mean the request was not carried out, so any method is safe to
// send again. Attempts are bounded, and so is each wait.

export interface RetryOptions {
  /** Retries after the first attempt (default 3). */
  retries?: number;
  /** Wait when the answer has no Retry-After, doubled each time (default 500 ms). */
  backoffMs?: number;
  /** Longest wait the client accepts; an answer that asks for more is returned as it is (default 60 s). */
  maxDelayMs?: number;
}

export type Fetch = (request: Request) => Promise<Response>;

const RETRIED_STATUSES = new Set([429, 503]);

export function retryingFetch(fetch: Fetch, options: RetryOptions = {}): Fetch {
  const { retries = 3, backoffMs = 500, maxDelayMs = 60_000 } = options;
  return async (request) => {
    for (let attempt = 0; ; attempt++) {
      // A body can be sent once: keep a copy for the next attempt.
      const spare = attempt < retries ? request.clone() : undefined;
      const response = await fetch(request);
      if (!spare || !RETRIED_STATUSES.has(response.status)) return response;
      const delay = retryDelay(response.headers.get('retry-after'), backoffMs * 2 ** attempt);
      if (delay > maxDelayMs) return response;
      await response.body?.cancel();
      await sleep(delay, request.signal);
      request = spare;
    }
  };
}

/** Retry-After as seconds or an HTTP date, in milliseconds; `fallback` when absent or unreadable. */
export function retryDelay(retryAfter: string | null, fallback: number): number {
  if (retryAfter === null) return fallback;
  const trimmed = retryAfter.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? fallback : Math.max(0, date - Date.now());
}

export function sleep(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
