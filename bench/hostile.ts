// hostile: crafted inputs, each a known or suspected denial of service, sent
// at the largest size the service's limits allow to a real `rolodex serve`
// (on SQLite, then on PostgreSQL) while a bystander project's probe runs
// (GET /contacts/:id and GET /contacts?limit=20). For each input: the longest
// event-loop stall of the server process (the loop-monitor preload) and the
// probe's worst and median latency, against the probe's worst with no input
// in the same run. Target: no stall over 100 ms, no probe over 250 ms.
//
// Every input gets a fresh server process and a project of its own; one that
// outlives its deadline has its server killed and its jobs failed, so it
// cannot weigh on the next. The contacts are written straight into the store
// first (lib/contact-fill.ts): 10,000 in a small project, and in a big one
// HOSTILE_BIG_CONTACTS (default 1,000,000; 0 skips the inputs that need it),
// every one at a bigcorp domain. HOSTILE_STORE=sqlite or postgres runs one
// store; HOSTILE_ONLY=name,… runs only those inputs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { abandonUnfinishedJobs, filledContactId, fillContacts, type StoreTarget } from './lib/contact-fill.js';
import { HOSTILE_INPUTS, type HostileInput, type InputOutcome, type Project } from './lib/hostile-inputs.js';
import { freshDatabase, postgresAvailable, POSTGRES_SERVER } from './lib/postgres.js';
import type { ProbeResult } from './lib/probe.js';
import { ProbeThread } from './lib/probe-thread.js';
import { createProjectWithId } from './lib/projects.js';
import { sleep, startMonitoredServer, type Stall } from './lib/stall-meter.js';
import type { BenchResult } from './index.js';

const MAX_STALL_MS = 100;
const MAX_PROBE_MS = 250;
const DEFAULT_DEADLINE_MS = 12_000;
const FLOOR_MS = 3000;
const WARM_UP_MS = 1000;
const SMALL_CONTACTS = 10_000;
const PROBE_CONTACTS = 100;

type StoreName = 'sqlite' | 'postgres';

interface Measured {
  stall: Stall;
  probe: ProbeResult;
  outcome: InputOutcome;
}

interface Setup {
  target: StoreTarget;
  env: Record<string, string>;
  small: Project;
  big: Project | undefined;
  probe: Project;
}

async function setUp(target: StoreTarget, env: Record<string, string>, bigContacts: number): Promise<Setup & { fillMs: number }> {
  const small = await createProjectWithId(target, 'small');
  const probe = await createProjectWithId(target, 'probe');
  const big = bigContacts > 0 ? await createProjectWithId(target, 'big') : undefined;
  const started = Date.now();
  await fillContacts(target, small.projectId, SMALL_CONTACTS, 'customer', 'shop{n}.example.org');
  await fillContacts(target, probe.projectId, PROBE_CONTACTS, 'probe', 'probe.example.net');
  if (big) await fillContacts(target, big.projectId, bigContacts, 'user', 'bigcorp{n}.example.com');
  return { target, env, small, big, probe, fillMs: Date.now() - started };
}

/** One fresh server: the probe alone (no input) or with `input` sent meanwhile. */
async function measure(setup: Setup, input: HostileInput | undefined): Promise<Measured> {
  const attacker = await createProjectWithId(setup.target, `attacker ${input?.name ?? 'none'}`);
  const meter = await startMonitoredServer({ ...setup.env, LOG_LEVEL: 'warn' });
  const url = meter.server.url;
  const deadlineMs = input?.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const target = { url, key: setup.probe.key, contactIds: Array.from({ length: PROBE_CONTACTS }, (_, i) => filledContactId(i)) };
  // A fresh process is slow at first (code compiled on first use): warm the
  // routes the probe takes, then open the window.
  const warmUp = await ProbeThread.start(target, WARM_UP_MS);
  await sleep(WARM_UP_MS);
  await warmUp.stop();
  if (!(await meter.reset())) throw new Error('the loop monitor did not answer');
  const probe = await ProbeThread.start(target, deadlineMs + 30_000);
  const signal = AbortSignal.timeout(deadlineMs);
  let outcome: InputOutcome = { notes: 'no input' };
  await sleep(300);
  if (input) {
    try {
      outcome = await input.run({ url, attacker, small: setup.small, big: setup.big, probe: setup.probe, signal });
    } catch (error) {
      outcome = { notes: `the input failed: ${(error as Error).message}` };
    }
    if (signal.aborted) outcome.notes += `; cut off at its ${deadlineMs / 1000} s deadline`;
  } else {
    await sleep(FLOOR_MS);
  }
  await sleep(300);
  const stall = await meter.readStall(Date.now() + (signal.aborted ? 3000 : 15_000));
  const result = await probe.stop();
  await meter.stop(stall.hung);
  await abandonUnfinishedJobs(setup.target);
  return { stall, probe: result, outcome };
}

function row(store: StoreName, name: string, measured: Measured, floor: number | undefined): BenchResult {
  const { stall, probe, outcome } = measured;
  const stallText = stall.hung ? `≥ ${stall.ms.toFixed(0)} ms (still stalled, server killed)` : `${stall.ms.toFixed(0)} ms`;
  const probeOk = probe.worstMs <= MAX_PROBE_MS && stall.ms <= MAX_STALL_MS;
  return {
    name: `hostile-${store}: ${name}`,
    metric: `probe worst ms (p50 ${probe.p50Ms.toFixed(1)}, ${probe.count} req, ${probe.failures} failed); server stall ${stallText}`,
    system: probe.worstMs,
    floor,
    target: `stall ≤ ${MAX_STALL_MS} ms, probe ≤ ${MAX_PROBE_MS} ms${outcome.extra ? `, ${outcome.extra.target}` : ''}`,
    pass: probeOk && probe.failures === 0 && (outcome.extra?.pass ?? true),
    notes: outcome.notes,
  };
}

/** One store's rows; an error ends that store's run with a row saying so, and the rows so far are kept. */
async function runStore(store: StoreName, target: StoreTarget, env: Record<string, string>, inputs: HostileInput[]): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  try {
    await measureStore(store, target, env, inputs, rows);
  } catch (error) {
    rows.push({ name: `hostile-${store}`, metric: 'error', pass: false, notes: (error as Error).message });
  }
  return rows;
}

async function measureStore(store: StoreName, target: StoreTarget, env: Record<string, string>, inputs: HostileInput[], results: BenchResult[]): Promise<void> {
  const bigContacts = Number(process.env.HOSTILE_BIG_CONTACTS ?? 1_000_000);
  const setup = await setUp(target, env, bigContacts);
  console.error(`#   ${store}: filled ${SMALL_CONTACTS + PROBE_CONTACTS + bigContacts} contacts in ${(setup.fillMs / 1000).toFixed(1)} s`);
  // The probe alone, at the start and again at the end; the better of the
  // two is the floor (the first server after the fill is sometimes slower).
  const first = await measure(setup, undefined);
  const rows: { name: string; measured: Measured }[] = [];
  for (const input of inputs) {
    if (input.needsBigProject && !setup.big) continue;
    const started = Date.now();
    const measured = await measure(setup, input);
    rows.push({ name: input.name, measured });
    console.error(`#   ${store} ${input.name}: stall ${measured.stall.ms.toFixed(0)} ms, probe worst ${measured.probe.worstMs.toFixed(0)} ms (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  const last = await measure(setup, undefined);
  const floor = Math.min(first.probe.worstMs, last.probe.worstMs);
  const fill = `${bigContacts.toLocaleString('en')} contacts in the big project, written straight into the store in ${(setup.fillMs / 1000).toFixed(0)} s`;
  results.push(
    { ...row(store, 'no input (floor, first)', first, undefined), notes: `the probe alone for ${FLOOR_MS / 1000} s, before the inputs; ${fill}` },
    ...rows.map(({ name, measured }) => row(store, name, measured, floor)),
    { ...row(store, 'no input (floor, last)', last, undefined), notes: `the probe alone again, after the inputs; the floor column is the better of the two` },
  );
}

export async function hostile(): Promise<BenchResult[]> {
  // An empty or mistyped choice is an error, not a run that measures nothing.
  const stores = (process.env.HOSTILE_STORE || 'sqlite,postgres').split(',') as StoreName[];
  const unknownStores = stores.filter((store) => store !== 'sqlite' && store !== 'postgres');
  if (unknownStores.length > 0) throw new Error(`HOSTILE_STORE: no store named ${unknownStores.join(', ')} (sqlite, postgres)`);
  const only = process.env.HOSTILE_ONLY ? process.env.HOSTILE_ONLY.split(',') : undefined;
  const unknownInputs = only?.filter((name) => !HOSTILE_INPUTS.some((input) => input.name === name)) ?? [];
  if (unknownInputs.length > 0) throw new Error(`HOSTILE_ONLY: no input named ${unknownInputs.join(', ')}`);
  const inputs = only ? HOSTILE_INPUTS.filter((input) => only.includes(input.name)) : HOSTILE_INPUTS;
  const results: BenchResult[] = [];
  if (stores.includes('sqlite')) {
    const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-hostile-'));
    try {
      results.push(...(await runStore('sqlite', { dataDir }, { DATA_DIR: dataDir }, inputs)));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  if (stores.includes('postgres')) {
    if (!(await postgresAvailable())) {
      results.push({ name: 'hostile-postgres', metric: 'skipped', pass: false, notes: `no PostgreSQL at ${POSTGRES_SERVER}` });
    } else {
      const database = await freshDatabase('hostile');
      try {
        results.push(...(await runStore('postgres', { databaseUrl: database.url }, { DATABASE_URL: database.url }, inputs)));
      } finally {
        await database.drop();
      }
    }
  }
  return results;
}
