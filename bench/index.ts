// `npm run bench [-- NAME …]`: runs the benchmarks (all, or those named),
// prints a table, and writes bench/results/latest.json. Each compares the
// system with a floor measured in the same run, since absolute times drift
// on shared machines.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { importEmbedded, importPostgres } from './import.js';
import { httpThroughput } from './http.js';
import { postPostgres } from './post-postgres.js';
import { scale } from './scale.js';
import { memory } from './memory.js';
import { hostile } from './hostile.js';
import { filters } from './filters.js';
import { isolation } from './isolation.js';

export interface BenchResult {
  name: string;
  metric: string;
  system?: number;
  floor?: number;
  ratio?: number;
  target?: string;
  pass: boolean;
  notes?: string;
}

const BENCHMARKS: Record<string, () => Promise<BenchResult[]>> = {
  'import-embedded': importEmbedded,
  'import-postgres': importPostgres,
  http: httpThroughput,
  'post-postgres': postPostgres,
  scale,
  memory,
  hostile,
  filters,
  isolation,
};

const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(name in BENCHMARKS));
if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  process.exit(2);
}

const results: BenchResult[] = [];
for (const name of asked.length > 0 ? asked : Object.keys(BENCHMARKS)) {
  console.error(`# ${name}…`);
  const started = Date.now();
  try {
    const rows = await BENCHMARKS[name]!();
    results.push(...rows);
    for (const row of rows) console.error(`#   ${row.name}: ${row.metric} → ${format(row.system)} vs ${format(row.floor)} (${row.ratio?.toFixed(2) ?? '—'})`);
  } catch (error) {
    results.push({ name, metric: 'error', pass: false, notes: (error as Error).message });
  }
  console.error(`# ${name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

function format(value: number | undefined): string {
  if (value === undefined) return '—';
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

const machine = { cores: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version };
console.log(`\nRolodex benchmarks — ${new Date().toISOString()} — ${machine.cores} cores, ${machine.cpu}, Node ${machine.node}\n`);
console.log('| benchmark | metric | system | floor | ratio | target | pass |');
console.log('| --- | --- | ---: | ---: | ---: | --- | --- |');
for (const r of results) {
  console.log(`| ${r.name} | ${r.metric} | ${format(r.system)} | ${format(r.floor)} | ${r.ratio?.toFixed(2) ?? '—'} | ${r.target ?? ''} | ${r.pass ? 'yes' : 'NO'} |`);
}
for (const r of results.filter((r) => r.notes)) console.log(`\n- ${r.name}: ${r.notes}`);

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/latest.json', JSON.stringify({ at: new Date().toISOString(), machine, results }, null, 2) + '\n');
process.exit(0);
