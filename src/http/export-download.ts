// Sending an export, for the API's GET /contacts/export and the dashboard's
// export link alike: an export slot of the project held while the body
// streams, the media type, the attachment's name, no caching.
import type { FastifyReply } from 'fastify';
import { AppError } from '../domain/errors.js';
import { exportStream, type ExportFormat, type ExportService } from '../domain/export.js';
import type { FilterInput } from '../domain/filter.js';
import type { UploadSlots } from './upload-slots.js';

const MEDIA = { csv: 'text/csv; charset=utf-8', ndjson: 'application/x-ndjson; charset=utf-8' } as const;

/**
 * Opens the export (a 400 for a bad filter, before anything is sent; a 503
 * when the project's slots are taken) and sends it. The slot is freed as the
 * last chunk is taken (before the response ends, so a client's next export
 * finds it free), or when the client goes away.
 */
export async function sendExport(
  reply: FastifyReply,
  options: { exports: ExportService; slots: UploadSlots; projectId: string; filter: FilterInput; format: ExportFormat },
): Promise<FastifyReply> {
  const slot = options.slots.take(options.projectId);
  if ('refused' in slot) throw new AppError('SERVICE_UNAVAILABLE', slot.refused);
  try {
    const body = await options.exports.open(options.projectId, options.filter, options.format);
    const stream = exportStream(releasing(body.chunks, slot.release));
    stream.once('close', () => slot.release());
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .type(MEDIA[options.format])
      .header('Content-Disposition', `attachment; filename="contacts-${day}.${options.format}"`)
      .header('Cache-Control', 'no-store')
      .send(stream);
  } catch (error) {
    slot.release();
    throw error;
  }
}

async function* releasing(chunks: AsyncGenerator<string>, release: () => void): AsyncGenerator<string> {
  try {
    yield* chunks;
  } finally {
    release();
  }
}
