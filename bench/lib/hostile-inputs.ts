// The crafted inputs of the hostile benchmark, each a known (or suspected)
// denial of service, at the largest size the service's limits let through:
// 1 MiB JSON bodies, 5 MiB CSVs, 16 KiB of headers. Each sends its input to
// the server and says what it got back; the benchmark measures the rest.
import { filledContactId } from './contact-fill.js';
import { concurrently, send, summarize, trickleUpload, uploadCsv, uploadCsvRaw, waitForJob } from './hostile-client.js';
import { sleep } from './stall-meter.js';
import { importCsv } from './workload.js';

export interface Project {
  key: string;
  projectId: string;
}

export interface InputContext {
  url: string;
  /** A project of its own for this input. */
  attacker: Project;
  /** 10,000 contacts, none of them at bigcorp. */
  small: Project;
  /** Many contacts, every one at bigcorp{n}.example.com; undefined when the fill is skipped. */
  big: Project | undefined;
  /** The bystander, whose probe runs meanwhile. */
  probe: Project;
  /** Fires at the input's deadline. */
  signal: AbortSignal;
}

export interface InputOutcome {
  /** What the input got back, for the notes. */
  notes: string;
  /** A condition of the input's own besides the stall and probe targets (the small job finishing in time, say). */
  extra?: { pass: boolean; target: string };
}

export interface HostileInput {
  name: string;
  /** How long the input may take before it is cut off (ms). */
  deadlineMs?: number;
  needsBigProject?: boolean;
  run(context: InputContext): Promise<InputOutcome>;
}

const JSON_LIMIT = 1024 * 1024;
const CSV_LIMIT = 5 * 1024 * 1024;
/** The longest record an import reads (MAX_RECORD_CHARS). */
const MAX_RECORD = 1024 * 1024;
/** Room for the JSON around the repeated part, or the multipart around a CSV. */
const SLACK = 512;

function json(key: string, body: string): { method: string; body: string; headers: Record<string, string> } {
  return { method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } };
}

/** `open` + `item` repeated (joined by `joiner`) + `close`, as long as fits in `limit` bytes. */
function fill(open: string, item: (i: number) => string, joiner: string, close: string, limit: number): { text: string; count: number } {
  const parts: string[] = [];
  let length = open.length + close.length;
  for (let i = 0; ; i++) {
    const next = item(i);
    if (length + next.length + joiner.length > limit) break;
    parts.push(next);
    length += next.length + joiner.length;
  }
  return { text: open + parts.join(joiner) + close, count: parts.length };
}

function jsonInput(name: string, path: string, build: () => { text: string; count: number }, what: string): HostileInput {
  return {
    name,
    async run({ url, attacker, signal }) {
      const { text, count } = build();
      const answer = await send(url + path, { ...json(attacker.key, text), signal });
      return { notes: `POST ${path}, ${(text.length / 1024).toFixed(0)} KiB, ${count.toLocaleString('en')} ${what}: ${summarize([answer])}` };
    },
  };
}

async function csvInput(context: InputContext, csv: string): Promise<InputOutcome> {
  const { url, attacker, signal } = context;
  const upload = await uploadCsv(url, attacker.key, csv, signal);
  let notes = `${(csv.length / 2 ** 20).toFixed(2)} MiB CSV: upload ${summarize([upload])}`;
  if (upload.status !== 202) notes += ` (${upload.body.slice(0, 100)})`;
  if (upload.jobId) {
    const job = await waitForJob(url, attacker.key, `/contacts/import/${upload.jobId}`, signal);
    notes += `; job ${job.state} after ${job.ms.toFixed(0)} ms more`;
  }
  return { notes };
}

type Sender = 'attacker' | 'small' | 'big';

function getMany(name: string, paths: () => string[], concurrency: number, from: Sender = 'attacker', deadlineMs?: number): HostileInput {
  return {
    name,
    deadlineMs,
    needsBigProject: from !== 'attacker',
    async run(context) {
      const { url, signal } = context;
      const list = paths();
      const key = (from === 'attacker' ? context.attacker : from === 'small' ? context.small : context.big!).key;
      const answers = [];
      for (let first = 0; first < list.length && !signal.aborted; first += concurrency) {
        answers.push(
          ...(await concurrently(Math.min(concurrency, list.length - first), (i) =>
            send(url + list[first + i]!, { headers: { authorization: `Bearer ${key}` }, signal }),
          )),
        );
      }
      const example = list[0]!;
      const shown = example.length > 80 ? `${example.slice(0, 60)}… (${example.length} chars)` : example;
      const by = from === 'attacker' ? '' : ` from the ${from} project`;
      return { notes: `${list.length} × GET ${shown}${by}, ${concurrency} at a time: ${summarize(answers)}` };
    },
  };
}

const BIGCORP_PHRASE = '.example.com@bigcorp1';

export const HOSTILE_INPUTS: HostileInput[] = [
  jsonInput(
    'validation-80k-ids',
    '/contacts/bulk-delete',
    () => fill('{"contactIds":[', () => '0', ',', ']}', 160 * 1024),
    'ids that are numbers (each a validation error)',
  ),
  jsonInput(
    'validation-1mib-ids',
    '/contacts/bulk-delete',
    () => fill('{"contactIds":[', () => '0', ',', ']}', JSON_LIMIT - SLACK),
    'ids that are numbers (each a validation error)',
  ),
  // The most members a container may have (MAX_JSON_MEMBERS), so parsed and validated.
  jsonInput(
    'validation-16k-ids',
    '/contacts/bulk-delete',
    () => ({ text: `{"contactIds":[${Array(16_384).fill('0').join(',')}]}`, count: 16_384 }),
    'ids that are numbers (each a validation error)',
  ),
  jsonInput(
    'unknown-fields-16k-1mib',
    '/contacts',
    () => fill('{"email":"a@b.co",', (i) => `"f${String(i).padStart(60, '0')}":1`, ',', '}', JSON_LIMIT - SLACK),
    'unknown fields with long names, 1 MiB',
  ),
  // More members than that: refused before parsing.
  jsonInput(
    'unknown-fields-1mib',
    '/contacts',
    () => fill('{"email":"a@b.co",', (i) => `"f${i}":1`, ',', '}', JSON_LIMIT - SLACK),
    'unknown fields',
  ),
  jsonInput(
    'deep-nesting-1mib',
    '/contacts',
    () => {
      const depth = Math.floor((JSON_LIMIT - SLACK) / 2);
      return { text: `{"email":"a@b.co","data":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`, count: depth };
    },
    'levels of nested arrays in data',
  ),
  {
    name: 'bearer-16k-spaces-x60',
    async run({ url, signal }) {
      const authorization = `Bearer x${' '.repeat(16_000)}y`;
      const answers = await concurrently(60, () => send(`${url}/contacts`, { headers: { authorization }, signal }));
      return { notes: `60 at once, Authorization "Bearer x" + 16,000 spaces + "y": ${summarize(answers)}` };
    },
  },
  getMany('many-query-params-x20', () => Array.from({ length: 20 }, () => `/contacts?${fill('', (i) => `p${i}=1`, '&', '', 15_000).text}`), 5),
  getMany('long-path-x100', () => Array.from({ length: 100 }, () => `/contacts/${'a/'.repeat(7000)}`), 10),
  getMany('long-id-x100', () => Array.from({ length: 100 }, () => `/contacts/${'a'.repeat(2048)}`), 10),
  getMany('long-cursor-x100', () => Array.from({ length: 100 }, () => `/contacts?cursor=${'A'.repeat(15_000)}`), 10),
  getMany(
    'search-254-chars-x10',
    () => Array.from({ length: 10 }, () => `/contacts?search=${encodeURIComponent(BIGCORP_PHRASE.repeat(13).slice(0, 254))}`),
    10,
    'small',
  ),
  getMany('search-bigcorp-x20', () => Array.from({ length: 20 }, () => '/contacts?search=bigcorp'), 20, 'small'),
  getMany('big-search-a-x3', () => Array.from({ length: 3 }, () => '/contacts?search=a'), 1, 'big'),
  getMany('big-search-bigcorp-x3', () => Array.from({ length: 3 }, () => '/contacts?search=bigcorp'), 1, 'big'),
  // A plain import at the size limit: the reference for the CSV inputs below.
  { name: 'csv-plain-5mib', deadlineMs: 30_000, run: (context) => csvInput(context, importCsv('plain', 86_000)) },
  {
    name: 'csv-leading-newlines-5mib',
    run: (context) => {
      const tail = 'email\na@b.co\n';
      return csvInput(context, '\n'.repeat(CSV_LIMIT - SLACK - tail.length) + tail);
    },
  },
  // A record may be at most 1,048,576 characters (MAX_RECORD_CHARS): the
  // largest header and the largest fields there can be, filling the file.
  {
    name: 'csv-wide-header-1mib-in-5mib',
    deadlineMs: 60_000, // 560,000 rows after the header
    run: (context) => {
      const header = fill('email,', (i) => `column_${i}`, ',', '\n', MAX_RECORD).text;
      return csvInput(context, header + fill('', (i) => `w${i}@b.co`, '\n', '\n', CSV_LIMIT - SLACK - header.length).text);
    },
  },
  {
    name: 'csv-doubled-quotes-1mib-records',
    run: (context) => {
      const record = `"${'""'.repeat(MAX_RECORD / 2 - 1)}"`;
      return csvInput(context, fill('email\n', () => record, '\n', '\n', CSV_LIMIT - SLACK).text);
    },
  },
  {
    // The whole file as one record: refused once the reader is 1 MiB into it.
    name: 'csv-one-record-5mib',
    run: (context) => csvInput(context, `email\n"${'""'.repeat(Math.floor((CSV_LIMIT - SLACK) / 2))}"\n`),
  },
  {
    // One contact with 100 keys of 300 characters (~31 KiB of data), then one
    // short row after another changing one key of it: each row costs the
    // stored data's size, not its own.
    name: 'csv-same-email-32k-data',
    run: (context) => {
      const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
      const head = `email,${keys.join(',')}\na@b.co,${keys.map((_, i) => String(i % 10).repeat(300)).join(',')}\n`;
      return csvInput(context, head + fill('', (i) => `a@b.co,v${i}`, '\n', '\n', CSV_LIMIT - SLACK - head.length).text);
    },
  },
  {
    name: 'slow-uploads-x10',
    deadlineMs: 20_000,
    async run({ url, attacker, probe, signal }) {
      const uploads = Array.from({ length: 10 }, () => trickleUpload(url, attacker.key, 3000));
      try {
        await sleep(1500);
        const small = await uploadCsvRaw(url, probe.key, 'email\nsmall-import@probe.example.net\n', signal);
        const early = (await Promise.all(uploads.map((u) => Promise.race([u.answered, sleep(10).then(() => undefined)])))).filter(Boolean);
        return {
          notes:
            `10 uploads trickling a byte every 3 s from one project; the bystander's one-row import: ` +
            `${small.status === 0 ? 'no answer' : small.status} in ${small.ms.toFixed(0)} ms; ` +
            `${early.length} of the trickles answered early (${[...new Set(early)].join(', ') || '—'})`,
          extra: { pass: small.status === 202, target: "bystander's import accepted (202)" },
        };
      } finally {
        for (const upload of uploads) upload.close();
      }
    },
  },
  {
    name: 'job-fairness-6x5mib',
    deadlineMs: 150_000,
    async run({ url, attacker, probe, signal }) {
      const started = performance.now();
      const uploads = [];
      for (let i = 0; i < 6 && !signal.aborted; i++) uploads.push(await uploadCsv(url, attacker.key, importCsv(`fair${i}-`, 86_000), signal));
      const queuedMs = performance.now() - started;
      const bulk = await send(`${url}/contacts/bulk-unsubscribe`, {
        ...json(probe.key, JSON.stringify({ contactIds: [filledContactId(0)] })),
        signal,
      });
      const jobId = bulk.status === 202 ? (JSON.parse(bulk.body) as { jobId: string }).jobId : undefined;
      const job = jobId ? await waitForJob(url, probe.key, `/contacts/bulk/${jobId}`, signal) : { state: `refused ${bulk.status}`, ms: 0 };
      return {
        notes:
          `6 imports of 5 MiB queued by one project in ${queuedMs.toFixed(0)} ms (${summarize(uploads)}); ` +
          `then the bystander's one-contact bulk-unsubscribe: ${job.state} after ${(bulk.ms + job.ms).toFixed(0)} ms`,
        extra: { pass: job.state === 'completed' && bulk.ms + job.ms <= 2000, target: 'small job done ≤ 2 s' },
      };
    },
  },
];
