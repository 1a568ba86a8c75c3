// A preload for a benchmarked server (`node --import tsx --import
// bench/lib/loop-monitor.ts …`, opted into by LOOP_MONITOR_FILE): records the
// process's event-loop delay and writes the longest stall of the current
// window to that file, as JSON, every 100 ms. SIGUSR2 starts a new window.
// A report is written only when the loop is free, so a file that stops
// changing is itself the sign of a stall (see stall-meter.ts).
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface LoopReport {
  /** Counts the SIGUSR2 resets. */
  window: number;
  /** Counts reports; each is written when the loop gets to it. */
  seq: number;
  /** Longest event-loop delay in this window, in ms. */
  maxMs: number;
  /** When this report was written (epoch ms). */
  at: number;
}

const file = process.env.LOOP_MONITOR_FILE;
if (file) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let window = 0;
  let seq = 0;
  const report = () => {
    const body: LoopReport = { window, seq: ++seq, maxMs: histogram.max / 1e6, at: Date.now() };
    writeFileSync(`${file}.tmp`, JSON.stringify(body));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(report, 100).unref();
  process.on('SIGUSR2', () => {
    histogram.reset();
    window++;
    report();
  });
  report();
}
