// An upload refused before its body was read (too large, or no upload slot
// free) still has its answer read by the client only if the client can
// finish sending: Node's fetch, for one, sends the whole body before reading
// anything, and a connection closed under it is an EPIPE, not a 413. So the
// rest of the body is read and thrown away, up to a bound in bytes and in
// time; a client still sending past it is cut off (a body that never ends
// must not hold the connection).
import type { FastifyRequest } from 'fastify';

/** A 5 MiB upload and its framing, with room to spare; more is not an upload that was merely too large. */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;
const MAX_DISCARD_MS = 15_000;

export function discardRestOfBody(request: FastifyRequest): void {
  const raw = request.raw;
  if (raw.complete) return;
  let discarded = 0;
  const cut = () => raw.destroy();
  const timer = setTimeout(cut, MAX_DISCARD_MS);
  timer.unref();
  raw.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) cut();
  });
  const done = () => clearTimeout(timer);
  raw.once('end', done);
  raw.once('close', done);
  raw.resume();
}
