// Request bodies: JSON only (the upload routes take multipart in a scope of
// their own), at most 1 MiB, UTF-8, within the bounds of domain/json-depth.ts,
// and a syntax error said where it is.
import { AppError, validationError } from '../../domain/errors.js';
import { jsonShapeProblem } from '../../domain/json-depth.js';
import { jsonSyntaxMessage } from '../json-syntax.js';
import { appWide } from './app-wide.js';

const JSON_BODY_LIMIT = 1024 * 1024;

/** fastify's options for bodies. */
export const JSON_BODY_OPTIONS = {
  bodyLimit: JSON_BODY_LIMIT,
  // `__proto__` and `constructor` are ordinary data keys here; our objects
  // never let them reach a prototype (see domain/data.ts).
  onProtoPoisoning: 'ignore',
  onConstructorPoisoning: 'ignore',
} as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const jsonBody = appWide('json-body', async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // A request no route takes gets its 404 or 405, whatever its body.
    if (request.is404) return done(null, undefined);
    const bytes = body as Buffer;
    if (bytes.length === 0 && (request.method === 'DELETE' || request.method === 'GET')) return done(null, undefined);
    let text: string;
    try {
      text = utf8.decode(bytes);
    } catch {
      return done(new AppError('INVALID_JSON', 'The body is not valid UTF-8'), undefined);
    }
    const shapeProblem = jsonShapeProblem(text);
    if (shapeProblem) return done(validationError([{ field: 'body', message: shapeProblem }]), undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      return done(new AppError('INVALID_JSON', jsonSyntaxMessage(text, error)), undefined);
    }
    done(null, parsed);
  });
});
