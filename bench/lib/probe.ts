// The probe: what a bystander project sees while another sends a hostile
// input. A few sequential loops of GET /contacts/:id and GET /contacts?limit=20,
// bounded in count and in time; a request still unanswered when the probe is
// stopped counts with the time it had waited.
import { sleep } from './stall-meter.js';

export interface ProbeTarget {
  url: string;
  key: string;
  contactIds: string[];
}

export interface ProbeResult {
  count: number;
  worstMs: number;
  p50Ms: number;
  /** Requests answered with anything but 200 (or not at all). */
  failures: number;
}

const LOOPS = 2;
const MAX_REQUESTS = 5000;
/** Between requests of a loop, so the probe is a steady trickle, not a load. */
const PAUSE_MS = 5;

export class Probe {
  private readonly times: number[] = [];
  private failures = 0;
  private readonly stopper = new AbortController();
  private stopping = false;
  private readonly loops: Promise<void>[] = [];

  constructor(private readonly target: ProbeTarget) {}

  /** Starts the loops; they run until `stop` or `maxMs`. */
  start(maxMs: number): this {
    const until = Date.now() + maxMs;
    for (let loop = 0; loop < LOOPS; loop++) this.loops.push(this.run(loop, until));
    return this;
  }

  private async run(loop: number, until: number): Promise<void> {
    const { url, key, contactIds } = this.target;
    const headers = { authorization: `Bearer ${key}` };
    for (let i = loop; !this.stopping && Date.now() < until && this.times.length < MAX_REQUESTS; i += LOOPS) {
      const path = i % 2 === 0 ? `/contacts/${contactIds[i % contactIds.length]}` : '/contacts?limit=20';
      const started = performance.now();
      try {
        const response = await fetch(url + path, { headers, signal: this.stopper.signal });
        await response.arrayBuffer();
        if (response.status !== 200) this.failures++;
      } catch {
        this.failures++;
      }
      this.times.push(performance.now() - started);
      await sleep(PAUSE_MS);
    }
  }

  /** Lets the requests in flight finish for up to `graceMs`, then aborts them (each counting as failed, with its wait). */
  async stop(graceMs = 1000): Promise<ProbeResult> {
    this.stopping = true;
    const finished = Promise.all(this.loops);
    await Promise.race([finished, sleep(graceMs)]);
    this.stopper.abort();
    await finished;
    const sorted = [...this.times].sort((a, b) => a - b);
    return {
      count: sorted.length,
      worstMs: sorted[sorted.length - 1] ?? 0,
      p50Ms: sorted[Math.floor(sorted.length / 2)] ?? 0,
      failures: this.failures,
    };
  }
}
