// The floors of the http benchmark between a bare node:http server and
// Rolodex: bare node:http plus only part of Rolodex's work, on the real store
// and schema, with no HTTP framework. They show where the time of a request
// goes, since Rolodex cannot be faster than either.
//
// FLOOR=storage: the one store call each measured route needs, nothing else
//   (no key check, validation, request id or log line).
//     GET /contacts/:id   store.contacts.getById
//     POST /contacts      store.contacts.upsertByEmail (a new contact per email)
// FLOOR=service: what the contract requires of every request as well: the
//   request id, the key check (ProjectService.authenticate with its key
//   cache, as the server's: a keyed read only when the store's revocation
//   mark has moved, so that a revocation counts at once), the domain's rules
//   (ContactService get and upsert: email and data checks), and one log line
//   (our pino logger).
//
// Run by bench/http.ts with FLOOR, DATA_DIR or DATABASE_URL, PORT and
// PROJECT_ID set; prints "ready" once listening. Requests it cannot answer
// get a bare 500, which the benchmark counts as a failure.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { ContactService, newContact, type Contact } from '../../src/domain/contacts.js';
import { KeyCache } from '../../src/domain/key-cache.js';
import { ProjectService } from '../../src/domain/projects.js';
import { contactJson } from '../../src/http/wire-json.js';
import { createLogger } from '../../src/logger.js';
import { openStore } from '../../src/storage/open-store.js';

const projectId = process.env.PROJECT_ID!;
const service = process.env.FLOOR === 'service';
const store = await openStore({ dataDir: process.env.DATA_DIR ?? '', databaseUrl: process.env.DATABASE_URL });
const projects = new ProjectService(store, new KeyCache());
const contacts = new ContactService(store);
const logger = createLogger('info');

interface Answer {
  status: number;
  contact: Contact | undefined;
}

async function storageAnswer(request: IncomingMessage, body: string): Promise<Answer> {
  if (request.method !== 'POST') {
    const contact = await store.contacts.getById(projectId, request.url!.slice('/contacts/'.length));
    return { status: contact ? 200 : 404, contact };
  }
  const { email, data } = JSON.parse(body) as { email: string; data?: object };
  const fresh = (current: Contact | undefined) => current ?? newContact(email, true, JSON.stringify(data ?? {}));
  const { contact, created } = await store.contacts.upsertByEmail(projectId, email, fresh);
  return { status: created ? 201 : 200, contact };
}

async function serviceAnswer(request: IncomingMessage, body: string): Promise<Answer> {
  const project = await projects.authenticate(request.headers.authorization);
  if (request.method !== 'POST') {
    return { status: 200, contact: await contacts.get(project, request.url!.slice('/contacts/'.length)) };
  }
  const { contact, created } = await contacts.upsert(project, JSON.parse(body));
  return { status: created ? 201 : 200, contact };
}

createServer((request, response) => {
  const started = performance.now();
  const requestId = service ? randomUUID() : '';
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', async () => {
    let answer: Answer;
    try {
      const body = Buffer.concat(chunks).toString();
      answer = await (service ? serviceAnswer(request, body) : storageAnswer(request, body));
    } catch {
      answer = { status: 500, contact: undefined };
    }
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (service) headers['x-request-id'] = requestId;
    response.writeHead(answer.status, headers);
    response.end(answer.contact ? contactJson(answer.contact) : '{}');
    if (service) {
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      logger.info({ requestId, method: request.method, url: request.url, statusCode: answer.status, durationMs }, 'request');
    }
  });
}).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
