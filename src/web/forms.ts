// HTML form bodies (application/x-www-form-urlencoded), parsed with
// URLSearchParams into an object of strings (arrays for a name given more
// than once), at most 1 MiB. Parsed into a null-prototype object: a field
// named __proto__ is a field like any other.
import type { FastifyInstance } from 'fastify';

export const FORM_BODY_LIMIT = 1024 * 1024;

export function formBodies(app: FastifyInstance): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT }, (_request, body, done) => {
    const parsed = Object.create(null) as Record<string, string | string[]>;
    for (const [name, value] of new URLSearchParams(body as string)) {
      const seen = parsed[name];
      parsed[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    done(null, parsed);
  });
}
