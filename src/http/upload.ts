// Reading an import upload from a multipart body: the part named `file` (a
// file part, or a plain field), never more than the limit, and the other
// parts as option fields (sent as files too: `-F mapping=@mapping.json`).
// Passing the limit stops the reading at once with a 413.
import type { FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { AppError, invalidField } from '../domain/errors.js';
import { Pacer } from '../domain/pacer.js';

const MAX_CSV_BYTES = 5 * 1024 * 1024;
/** Room for the multipart framing around a file at the limit. */
const MULTIPART_OVERHEAD = 64 * 1024;

export const multipartLimits = {
  fileSize: MAX_CSV_BYTES,
  fieldSize: MAX_CSV_BYTES,
  files: 4,
  fields: 16,
  parts: 20,
  headerPairs: 50,
};

function tooLarge(): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', `The file is larger than ${MAX_CSV_BYTES} bytes (5 MiB)`);
}

/**
 * The file's bytes. busboy stops passing data on at `fileSize` but would read
 * the rest of the part to its end; its 'limit' event ends the reading there,
 * so an oversized upload is answered (and its connection closed) at once.
 */
async function readFilePart(part: MultipartFile): Promise<Buffer> {
  let overLimit = false;
  part.file.once('limit', () => {
    overLimit = true;
    part.file.destroy();
  });
  // Each chunk is copied in as it arrives, into room for the largest file:
  // memory is touched (and resident) only as far as the file goes, and no
  // copy of the whole file is made at the end. Memory touched for the first
  // time costs about 3 ms a megabyte on this machine (15-70 ms for 5 MiB at
  // once), so when chunks arrive faster than they are copied, the copying
  // goes in slices.
  const file = Buffer.allocUnsafe(MAX_CSV_BYTES);
  const pacer = new Pacer();
  let length = 0;
  try {
    for await (const chunk of part.file as AsyncIterable<Buffer>) {
      if (length + chunk.length > file.length) overLimit = true;
      else length += chunk.copy(file, length);
      const pause = pacer.pause();
      if (pause) await pause;
    }
  } catch (error) {
    if (!overLimit) throw error;
  }
  if (overLimit || part.file.truncated) throw tooLarge();
  return file.subarray(0, length);
}

function malformed(error: unknown): AppError {
  const code = (error as { code?: string }).code;
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT') {
    return invalidField('file', 'Too many parts: send one file in a field named "file", and the options');
  }
  return invalidField('file', 'The multipart body is malformed');
}

/** RFC 2046: a boundary of 1 to 70 characters, quoted or not (busboy would take an empty one). */
const BOUNDARY = /;\s*boundary=("[^"]{1,70}"|[^\s";]{1,70})\s*(;|$)/i;

/** An upload is measured against the minimum rate only after this long. */
const RATE_GRACE_MS = 10_000;

/**
 * Cuts an upload off once it has averaged less than `minBytesPerSecond` since
 * it began (after a grace period): a client trickling a byte now and then
 * would otherwise hold its upload slot for as long as it liked. The body's
 * reader is stopped by an error on the request stream, which
 * @fastify/multipart turns into a failed read.
 */
function watchUploadRate(request: FastifyRequest, minBytesPerSecond: number): { tooSlow(): boolean; stop(): void } {
  if (minBytesPerSecond <= 0) return { tooSlow: () => false, stop: () => {} };
  const socket = request.raw.socket;
  const started = Date.now();
  const startBytes = socket.bytesRead;
  let slow = false;
  const timer = setInterval(() => {
    const elapsed = Date.now() - started;
    if (elapsed < RATE_GRACE_MS || (socket.bytesRead - startBytes) * 1000 >= minBytesPerSecond * elapsed) return;
    slow = true;
    clearInterval(timer);
    request.raw.emit('error', new Error('The upload is too slow'));
  }, 1000);
  timer.unref();
  return { tooSlow: () => slow, stop: () => clearInterval(timer) };
}

function tooSlow(minBytesPerSecond: number): AppError {
  return new AppError(
    'REQUEST_TIMEOUT',
    `The upload arrived slower than ${minBytesPerSecond} bytes per second on average and was stopped; send it again`,
  );
}

export interface ImportUpload {
  /** The bytes of the `file` part, or undefined when there is none. */
  file: Buffer | undefined;
  /** Every other part, by name, as text: the import's options (checked by the domain). */
  fields: [name: string, value: string][];
}

export async function readImportUpload(request: FastifyRequest, minBytesPerSecond = 0): Promise<ImportUpload> {
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_CSV_BYTES + MULTIPART_OVERHEAD) throw tooLarge();
  if (!BOUNDARY.test(request.headers['content-type'] ?? '')) {
    throw invalidField('file', 'The multipart body is malformed: its Content-Type needs a boundary of 1-70 characters');
  }
  let file: Buffer | undefined;
  const fields: [string, string][] = [];
  const rate = watchUploadRate(request, minBytesPerSecond);
  try {
    for await (const part of request.parts() as AsyncIterable<Multipart>) {
      if (part.fieldname !== 'file') {
        if (part.type === 'file') fields.push([part.fieldname, (await readFilePart(part)).toString('utf8')]);
        else if (part.valueTruncated) throw invalidField(part.fieldname, 'Too long');
        else fields.push([part.fieldname, String(part.value)]);
        continue;
      }
      if (file !== undefined) throw invalidField('file', 'Send one file only');
      if (part.type === 'file') file = await readFilePart(part);
      else if (part.valueTruncated) throw tooLarge();
      else file = Buffer.from(String(part.value), 'utf8');
    }
  } catch (error) {
    if (rate.tooSlow()) throw tooSlow(minBytesPerSecond);
    if (error instanceof AppError) throw error;
    throw malformed(error);
  } finally {
    rate.stop();
  }
  if (rate.tooSlow()) throw tooSlow(minBytesPerSecond);
  return { file, fields };
}
