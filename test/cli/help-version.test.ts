// `rolodex --version`, `rolodex --help`, and what `projects create` tells a
// person about the two keys it prints (CONTRACT.md, "The command line").
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { killAll, runCli } from '../support/server-process.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

// Every command a user can run, as the help names it.
const COMMANDS = [
  'serve', 'api', 'worker', 'migrate',
  'projects create', 'projects list',
  'keys create', 'keys list', 'keys revoke',
  'import',
];

describe('rolodex --version and --help', () => {
  after(killAll);

  test('--version (and -V) print the version of package.json and nothing else, with no store opened', async () => {
    for (const flag of ['--version', '-V']) {
      const result = await runCli([flag]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, `${version}\n`);
      assert.equal(result.stderr, '');
    }
  });

  test('--help lists every command, each on one line with a description', async () => {
    const result = await runCli(['--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.split('\n');
    const start = lines.indexOf('Commands:');
    assert.ok(start > 0, result.stdout);
    const listed = lines.slice(start + 1, lines.indexOf('', start));
    for (const command of COMMANDS) {
      const line = listed.find((entry) => entry.trimStart().startsWith(`${command} `) || entry.trim() === command);
      assert.ok(line, `${command} is listed:\n${result.stdout}`);
      // The term, at least two spaces, then a description of a few words.
      assert.match(line, new RegExp(`^\\s+${command}( [^ ]+)*\\s{2,}\\S+( \\S+){1,}$`), line);
    }
    // One line each: no description wrapped onto a line of its own.
    for (const line of listed) assert.match(line, /^ {2}\S/, `a wrapped line: ${JSON.stringify(line)}`);
    assert.ok(listed.every((line) => line.length <= 80), 'fits 80 columns');
  });
});

describe('rolodex projects create: what the keys are for', () => {
  after(killAll);

  test('the text output says what the secret and the public key are each for; --json is unchanged', async () => {
    const result = await runCli(['projects', 'create', 'Explained']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    const secretAt = lines.findIndex((line) => /secret key: sk_[0-9A-Za-z]{43,}$/.test(line));
    const publicAt = lines.findIndex((line) => /public key: pk_[0-9A-Za-z]{43,}$/.test(line));
    assert.ok(secretAt >= 0 && publicAt > secretAt, result.stdout);
    const about = (from: number, to?: number) => lines.slice(from, to).map((line) => line.trim()).join(' ');
    const aboutSecret = about(secretAt + 1, publicAt);
    const aboutPublic = about(publicAt + 1);
    assert.match(aboutSecret, /servers only/);
    assert.match(aboutSecret, /Authorization: Bearer/);
    assert.match(aboutPublic, /cannot read or change contacts/);
    assert.match(aboutPublic, /403/);
    assert.match(lines.at(-1)!, /not shown again/);

    const json = await runCli(['projects', 'create', 'Explained', '--json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(Object.keys(JSON.parse(json.stdout)), ['project', 'secretKey', 'publicKey']);
  });
});
