// The main thread's side of a SQLite stream read by a worker thread
// (stream-worker.ts): it starts the worker, takes its pages as they come,
// gives it a credit for each page taken, and stops it when the reader stops.
import { Worker } from 'node:worker_threads';
import type { ContactRecord } from '../../domain/store.js';
import { ContactLines } from '../contact-lines.js';
import type { StreamMessage, StreamTask } from './stream-worker.js';

const ENTRY = new URL('./stream-worker.ts', import.meta.url).href;
// The sources are TypeScript run through tsx (bin/rolodex.js): the worker
// registers it before importing its module, as the main thread did.
const BOOT = `
  const { workerData } = require('node:worker_threads');
  import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
    .then((tsx) => { tsx.register(); return import(workerData.entry); });
`;

export async function* streamInThread(task: StreamTask): AsyncGenerator<ContactRecord[]> {
  const worker = new Worker(BOOT, { eval: true, workerData: { ...task, entry: ENTRY } });
  const pages: StreamMessage[] = [];
  let failure: Error | undefined;
  let exited = false;
  let wake: (() => void) | undefined;
  worker.on('message', (message: StreamMessage) => {
    pages.push(message);
    wake?.();
  });
  worker.on('error', (error) => {
    failure = error;
    wake?.();
  });
  worker.on('exit', () => {
    exited = true;
    wake?.();
  });
  const lines = new ContactLines();
  try {
    for (;;) {
      while (pages.length === 0 && !failure && !exited) await new Promise<void>((resolve) => (wake = resolve));
      const page = pages.shift();
      if (page === undefined) throw failure ?? new Error('The reading thread stopped before the end');
      if (page === null) break;
      worker.postMessage('taken');
      yield lines.push(page);
    }
    lines.end();
  } finally {
    // Done, failed, or the reader went away: the thread stops, whatever it was doing.
    await worker.terminate();
  }
}
