// Property: importing a CSV gives the same contacts and the same counts as
// sending its rows one by one to POST /contacts (CONTRACT.md: "Each row upserts
// exactly as POST /contacts does"), except that an import never re-subscribes
// a contact that is unsubscribed. The rows are generated as values, written
// out as CSV in random ways, and turned into POST bodies by this file's own
// small model of the CSV rules (types decided per column, once per file).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { startApp, storeKinds, type TestApp } from '../support/app.js';
import { listAll, type Auth } from '../support/contacts.js';
import { importCsv } from '../support/jobs.js';

const DATA_HEADERS = ['plan', 'First Name', 'seats', '__proto__', 'note'];
const GOOD_EMAILS = ['ada@example.com', 'bo@example.org', 'cy@sub.example.com', 'di@example.com'];
const BAD_EMAILS = ['not-an-email', 'a@b', '@example.com', 'x@@example.com', '', 'sp ace@example.com'];
const SUBSCRIBED_CELLS = ['', '', 'true', 'YES', '1', 'false', 'No', '0', 'maybe', '2', 'y', 'Off', 'WAHR', 'falsch'];
const DATA_CELLS = [
  '', '', 'true', 'FALSE', '0', '-3', '42', '3.25', '-0.5', '02134', '1.50', '+42', '1e5', '-0', '00', '.5',
  'Infinity', 'NaN', 'hello', 'say "hi"', 'a,b', 'x;y', 'tab\there', 'line\nbreak', '  padded  ', ' 42 ', 'café ☕',
];

// ---- the model: what a cell means, written independently of src/ ----

/** A cell as read: quoted cells keep their spaces, unquoted ones are trimmed. */
const cellValue = (raw: string, quoted: boolean) => (quoted ? raw : raw.trim());

const BOOLEANS: Record<string, boolean> = { true: true, false: false };
const isPlain = (text: string) => /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(text) && !/\.[0-9]*0$/.test(text) && text !== '-0';

/** A column's type from all its non-empty cells: boolean, number, or (any other mix) string. */
function columnType(cells: string[]): 'boolean' | 'number' | 'string' {
  const filled = cells.filter((text) => text !== '');
  if (filled.length > 0 && filled.every((text) => Object.hasOwn(BOOLEANS, text.toLowerCase()))) return 'boolean';
  if (filled.length > 0 && filled.every(isPlain)) return 'number';
  return 'string';
}

function typed(text: string, type: 'boolean' | 'number' | 'string'): unknown {
  if (type === 'boolean') return BOOLEANS[text.toLowerCase()];
  if (type === 'number') return Number(text);
  return text;
}

const SUBSCRIBED: Record<string, boolean | undefined> = {
  true: true, yes: true, y: true, 1: true, on: true, wahr: true,
  false: false, no: false, n: false, 0: false, off: false, falsch: false,
};
/** undefined: leave it; 'bad': a row error. */
function subscribedOf(text: string): boolean | undefined | 'bad' {
  if (text === '') return undefined;
  const lower = text.toLowerCase();
  return Object.hasOwn(SUBSCRIBED, lower) ? SUBSCRIBED[lower] : 'bad';
}

// ---- the generators ----

const cell = <T extends string>(values: readonly T[]) => fc.record({ raw: fc.constantFrom(...values), quoted: fc.boolean() });
const emailCell = fc.record({
  raw: fc.tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...GOOD_EMAILS) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_EMAILS) }),
    fc.constantFrom('lower', 'upper', 'mixed'),
    fc.constantFrom('', ' ', '  '),
    fc.constantFrom('', ' '),
  ).map(([email, casing, before, after]) => {
    const cased = casing === 'upper' ? email.toUpperCase() : casing === 'mixed' ? email.replace(/^./, (c) => c.toUpperCase()) : email;
    return `${before}${cased}${after}`;
  }),
  quoted: fc.boolean(),
});
const row = fc.record({
  email: emailCell,
  subscribed: cell(SUBSCRIBED_CELLS),
  data: fc.array(cell(DATA_CELLS), { minLength: DATA_HEADERS.length, maxLength: DATA_HEADERS.length }),
  /** Keep only this many cells (the rest are missing, so empty). */
  keep: fc.option(fc.integer({ min: 1, max: 6 }), { freq: 4 }),
  extra: fc.array(fc.constantFrom('extra', 'zz', ''), { maxLength: 2 }),
  blankBefore: fc.constantFrom(null, null, null, null, '', '   '),
});
const scenario = fc.record({
  emailHeader: fc.constantFrom('email', 'Email', 'EMAIL', ' email '),
  subscribedHeader: fc.option(fc.constantFrom('subscribed', 'Subscribed', 'SUBSCRIBED')),
  dataHeaders: fc.shuffledSubarray(DATA_HEADERS, { minLength: 1 }),
  emailAt: fc.nat(),
  subscribedAt: fc.nat(),
  quoteHeaders: fc.boolean(),
  rows: fc.array(row, { minLength: 1, maxLength: 14 }),
  delimiter: fc.constantFrom(',', ';', '\t', '|'),
  eol: fc.constantFrom('\n', '\r\n'),
  bom: fc.boolean(),
  finalEol: fc.boolean(),
  seeds: fc.array(fc.record({ email: fc.constantFrom(...GOOD_EMAILS), subscribed: fc.boolean(), plan: fc.constantFrom('seeded', 7) }), { maxLength: 3 }),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer S> ? S : never;

type Column = { kind: 'email' } | { kind: 'subscribed' } | { kind: 'data'; key: string; index: number };

function columnsOf(s: Scenario): { header: string; column: Column }[] {
  const columns: { header: string; column: Column }[] = s.dataHeaders.map((key) => ({
    header: key, column: { kind: 'data', key, index: DATA_HEADERS.indexOf(key) },
  }));
  columns.splice(s.emailAt % (columns.length + 1), 0, { header: s.emailHeader, column: { kind: 'email' } });
  if (s.subscribedHeader !== null) {
    columns.splice(s.subscribedAt % (columns.length + 1), 0, { header: s.subscribedHeader, column: { kind: 'subscribed' } });
  }
  return columns;
}

function render(raw: string, quoted: boolean, delimiter: string): string {
  const mustQuote = raw.includes(delimiter) || /["\r\n]/.test(raw);
  return quoted || mustQuote ? `"${raw.replaceAll('"', '""')}"` : raw;
}

interface Expected {
  csv: string;
  /** One POST body per counted row, or 'bad' for a row the import must reject outright. */
  rows: { row: number; body: Record<string, unknown> | 'bad' }[];
}

/** Writes the scenario as CSV, and models what each record means. */
function build(s: Scenario): Expected {
  const columns = columnsOf(s);
  const lines = [columns.map(({ header }) => render(header, s.quoteHeaders, s.delimiter)).join(s.delimiter)];
  const records: string[][] = [];
  for (const r of s.rows) {
    if (r.blankBefore !== null) lines.push(r.blankBefore);
    const cells = columns.map(({ column }) => (column.kind === 'email' ? r.email : column.kind === 'subscribed' ? r.subscribed : r.data[column.index]!));
    const kept = r.keep === null ? cells.length : Math.min(r.keep, cells.length);
    const extra = kept === cells.length ? r.extra : [];
    lines.push([...cells.slice(0, kept).map((c) => render(c.raw, c.quoted, s.delimiter)), ...extra].join(s.delimiter));
    const read = cells.map((c, index) => (index < kept ? cellValue(c.raw, c.quoted) : ''));
    // A record whose cells (extra ones too) are all empty is skipped, not counted.
    if ([...read, ...extra].every((value) => value === '')) continue;
    records.push(read);
  }
  const types = columns.map((_, index) => columnType(records.map((read) => read[index]!)));
  const rows: Expected['rows'] = records.map((read, i) => {
    const body: Record<string, unknown> = { email: '' };
    const data: Record<string, unknown> = Object.create(null);
    let bad = false;
    columns.forEach(({ column }, index) => {
      const value = read[index]!;
      if (column.kind === 'email') body.email = value;
      else if (column.kind === 'subscribed') {
        const subscribed = subscribedOf(value);
        if (subscribed === 'bad') bad = true;
        else if (subscribed !== undefined) body.subscribed = subscribed;
      } else if (value !== '') data[column.key] = typed(value, types[index]!);
    });
    if (Object.keys(data).length > 0) body.data = data;
    return { row: i + 2, body: bad ? 'bad' : body };
  });
  const text = lines.join(s.eol) + (s.finalEol ? s.eol : '');
  return { csv: (s.bom ? '\ufeff' : '') + text, rows };
}

for (const kind of storeKinds()) {
  describe(`import equals POST /contacts row by row (property, ${kind.name})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startApp(kind, { worker: true });
    });
    after(async () => t.close());

    async function snapshot(auth: Auth) {
      const contacts = await listAll(t, auth);
      return new Map(contacts.map((c) => [c.email, { subscribed: c.subscribed, data: c.data }]));
    }

    test('same contacts, same counts, same failing rows', async () => {
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const { csv, rows } = build(s);
          const imported = await t.project('imported');
          const posted = await t.project('posted');
          for (const seed of s.seeds) {
            for (const { auth } of [imported, posted]) {
              const body = { email: seed.email, subscribed: seed.subscribed, data: { plan: seed.plan, seed: true } };
              const response = await t.app.inject({ method: 'POST', url: '/contacts', headers: auth, payload: body });
              assert.ok(response.statusCode === 200 || response.statusCode === 201, response.body);
            }
          }

          const expected = { createdCount: 0, updatedCount: 0, failureCount: 0, keptUnsubscribedCount: 0, failedRows: [] as number[] };
          // What the import must do that POST /contacts would not: never re-subscribe.
          // The seeds were posted in order, so the last one for an email decides its state.
          const unsubscribed = new Set<string>();
          for (const seed of s.seeds) {
            if (seed.subscribed) unsubscribed.delete(seed.email);
            else unsubscribed.add(seed.email);
          }
          for (const { row, body } of rows) {
            let payload = body;
            const email = body === 'bad' ? '' : String(body.email).trim().toLowerCase();
            if (body !== 'bad' && body.subscribed === true && unsubscribed.has(email)) {
              const { subscribed: _kept, ...rest } = body;
              payload = rest;
              expected.keptUnsubscribedCount++;
            }
            const response = payload === 'bad'
              ? undefined
              : await t.app.inject({ method: 'POST', url: '/contacts', headers: posted.auth, payload });
            const status = response?.statusCode ?? 400;
            if (status === 400 && payload !== 'bad' && body !== payload) expected.keptUnsubscribedCount--;
            if (status === 200 || status === 201) {
              const contact = JSON.parse(response!.body) as { email: string; subscribed: boolean };
              if (contact.subscribed) unsubscribed.delete(contact.email);
              else unsubscribed.add(contact.email);
            }
            if (status === 201) expected.createdCount++;
            else if (status === 200) expected.updatedCount++;
            else {
              assert.equal(status, 400);
              expected.failureCount++;
              expected.failedRows.push(row);
            }
          }

          const job = await importCsv(t, imported.auth, csv);
          assert.equal(job.state, 'completed', JSON.stringify(job));
          assert.deepEqual(
            {
              totalRows: job.result.totalRows,
              createdCount: job.result.createdCount,
              updatedCount: job.result.updatedCount,
              failureCount: job.result.failureCount,
              keptUnsubscribedCount: job.result.keptUnsubscribedCount,
              failedRows: job.result.errors.map((e: { row: number }) => e.row),
            },
            { totalRows: rows.length, ...expected },
            JSON.stringify(csv),
          );
          assert.deepEqual(await snapshot(imported.auth), await snapshot(posted.auth), JSON.stringify(csv));
        }),
        { numRuns: 25 },
      );
    });
  });
}
