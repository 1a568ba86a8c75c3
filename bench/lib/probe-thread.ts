// The probe on a thread of its own. The benchmark's main thread builds 5 MiB
// inputs and uploads them; a probe sharing that event loop timed the
// benchmark's own pauses as the server's (a probe request "waited" 330 ms
// while the server's loop never stalled over 40 ms).
import { once } from 'node:events';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Probe, type ProbeResult, type ProbeTarget } from './probe.js';

export class ProbeThread {
  private constructor(private readonly worker: Worker) {}

  /** Resolves once the probe's loops are running on their thread. */
  static async start(target: ProbeTarget, maxMs: number): Promise<ProbeThread> {
    // Loaders are per thread, and Node 20 resolves a worker's entry before
    // --import runs there: the thread registers tsx itself, as bin/rolodex.js does.
    const entry = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(entry, { eval: true, workerData: { target, maxMs } });
    await once(worker, 'message'); // started
    return new ProbeThread(worker);
  }

  /** Stops the probe's loops (see Probe.stop) and gives its figures. */
  async stop(graceMs = 1000): Promise<ProbeResult> {
    this.worker.postMessage({ graceMs });
    const [result] = (await once(this.worker, 'message')) as [ProbeResult];
    await this.worker.terminate();
    return result;
  }
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { target, maxMs } = workerData as { target: ProbeTarget; maxMs: number };
  const probe = new Probe(target).start(maxMs);
  port.once('message', async ({ graceMs }: { graceMs: number }) => port.postMessage(await probe.stop(graceMs)));
  port.postMessage('started');
}
