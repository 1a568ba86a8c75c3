// Configuration: the environment read once, with defaults, and a bad value
// stopping the process with a message that names the variable.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.js';
import { killAll, runCli, tempDataDir } from './support/server-process.js';

describe('loadConfig', () => {
  test('defaults: port 3000 on 127.0.0.1, ./data, info logs, 7-day job and change retention, no rate limit', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, resolve('data'));
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.rateLimit, undefined);
    assert.equal(config.jobRetentionDays, 7);
    assert.equal(config.changeRetentionDays, 7);
  });

  test('reads every variable', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATA_DIR: '/var/lib/rolodex',
      DATABASE_URL: 'postgres://u:p@db/rolodex',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '2.5',
      RATE_LIMIT_BURST: '10',
      JOB_RETENTION_DAYS: '30',
      CHANGE_RETENTION_DAYS: '14',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.dataDir, '/var/lib/rolodex');
    assert.equal(config.databaseUrl, 'postgres://u:p@db/rolodex');
    assert.equal(config.logLevel, 'warn');
    assert.deepEqual(config.rateLimit, { perSecond: 2.5, burst: 10 });
    assert.equal(config.jobRetentionDays, 30);
    assert.equal(config.changeRetentionDays, 14);
  });

  test('a relative DATA_DIR is resolved against the working directory', () => {
    assert.equal(loadConfig({ DATA_DIR: 'some/dir' }).dataDir, resolve('some/dir'));
  });

  test('RATE_LIMIT_PER_SECOND alone turns the limit on with a burst of its ceiling', () => {
    assert.deepEqual(loadConfig({ RATE_LIMIT_PER_SECOND: '2.5' }).rateLimit, { perSecond: 2.5, burst: 3 });
  });

  const bad: [Record<string, string>, string][] = [
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ RATE_LIMIT_PER_SECOND: '-1' }, 'RATE_LIMIT_PER_SECOND'],
    [{ RATE_LIMIT_PER_SECOND: '0' }, 'RATE_LIMIT_PER_SECOND'],
    [{ RATE_LIMIT_PER_SECOND: '10', RATE_LIMIT_BURST: '2.5' }, 'RATE_LIMIT_BURST'],
    [{ RATE_LIMIT_BURST: '5' }, 'RATE_LIMIT_BURST'],
    [{ JOB_RETENTION_DAYS: '0' }, 'JOB_RETENTION_DAYS'],
    [{ JOB_RETENTION_DAYS: '7days' }, 'JOB_RETENTION_DAYS'],
    [{ CHANGE_RETENTION_DAYS: '0' }, 'CHANGE_RETENTION_DAYS'],
    [{ CHANGE_RETENTION_DAYS: '1.5' }, 'CHANGE_RETENTION_DAYS'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY'],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL'],
  ];
  for (const [env, variable] of bad) {
    test(`${JSON.stringify(env)} → ConfigError naming ${variable}`, () => {
      assert.throws(
        () => loadConfig(env),
        (error) => error instanceof ConfigError && error.message.includes(variable),
      );
    });
  }
});

describe('a bad configuration stops the process', () => {
  after(killAll);

  test('PORT=abc: serve exits non-zero at once, stderr names PORT, no stack trace', async () => {
    const result = await runCli(['serve'], { PORT: 'abc', DATA_DIR: tempDataDir() }, 15_000);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /PORT/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    assert.equal(result.stdout, '');
  });
});
