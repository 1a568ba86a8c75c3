// memory: the server's peak resident memory during a 5 MiB import, over its
// idle memory just before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { residentMb, startBenchServer } from './lib/processes.js';
import { createProject } from './lib/projects.js';
import { importCsv, uploadCsv, waitForImport } from './lib/workload.js';
import type { BenchResult } from './index.js';

export async function memory(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rolodex-bench-memory-'));
  try {
    const key = await createProject({ dataDir }, 'memory');
    const server = await startBenchServer({ DATA_DIR: dataDir });
    try {
      // Just under 5 MiB: 86,000 rows of the benchmark CSV.
      const csv = importCsv('memory', 86_000);
      await fetch(`${server.url}/contacts`, { headers: { authorization: `Bearer ${key}` } });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const idle = residentMb(server.pid);
      let peak = idle;
      const sampler = setInterval(() => (peak = Math.max(peak, residentMb(server.pid))), 20);
      try {
        await waitForImport(server.url, key, await uploadCsv(server.url, key, csv));
      } finally {
        clearInterval(sampler);
      }
      return [{
        name: 'memory',
        metric: `peak RSS during a ${(csv.length / 2 ** 20).toFixed(2)} MiB import over idle (MB)`,
        system: peak - idle,
        floor: idle,
        target: '≤ +150 MB',
        pass: peak - idle <= 150,
        notes: `idle ${idle.toFixed(0)} MB, peak ${peak.toFixed(0)} MB (RSS from /proc, sampled every 20 ms)`,
      }];
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
