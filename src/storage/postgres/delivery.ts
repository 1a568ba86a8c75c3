// Job delivery through pg-boss: accepting a job sends a message in the same
// transaction as the job row, and workers subscribed to the queue are woken
// by it. The jobs table stays the truth: a worker claims the job row under a
// lease, and idle workers also sweep the table, so a message lost with a
// crashed worker only delays a job, never loses it.
import PgBoss from 'pg-boss';
import type pg from 'pg';

const JOB_QUEUE = 'rolodex-jobs';

export class JobDelivery {
  /** pg-boss, started on first use; forgotten if starting fails, so the next use tries again. */
  private starting: Promise<PgBoss> | undefined;

  constructor(private readonly connectionString: string) {}

  /** Creates or upgrades pg-boss's schema and our queue. */
  async migrate(): Promise<void> {
    const boss = await this.start();
    await boss.createQueue(JOB_QUEUE, { name: JOB_QUEUE, retryLimit: 0, expireInSeconds: 15 * 60 });
  }

  /** Sends the delivery message inside the caller's transaction. */
  async send(client: pg.PoolClient, job: { projectId: string; jobId: string }): Promise<void> {
    const boss = await this.start();
    const db = { executeSql: (text: string, values: unknown[]) => client.query(text, values as unknown[]) };
    await boss.send(JOB_QUEUE, job, { db, retryLimit: 0 });
  }

  async subscribe(wake: () => void): Promise<void> {
    const boss = await this.start();
    await boss.work(JOB_QUEUE, { pollingIntervalSeconds: 0.5, batchSize: 8 }, async () => wake());
  }

  async close(): Promise<void> {
    const starting = this.starting;
    this.starting = undefined;
    const boss = await starting?.catch(() => undefined);
    await boss?.stop({ graceful: false, close: true, wait: true, timeout: 5000 });
  }

  private start(): Promise<PgBoss> {
    this.starting ??= (async () => {
      const boss = new PgBoss({
        connectionString: this.connectionString,
        max: 2,
        application_name: 'rolodex-pgboss',
        schedule: false,
      });
      boss.on('error', () => {
        // Connection faults surface in our own queries; pg-boss retries by itself.
      });
      await boss.start();
      return boss;
    })().catch((error: unknown) => {
      this.starting = undefined;
      throw error;
    });
    return this.starting;
  }
}
