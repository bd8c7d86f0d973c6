// Options a user can get wrong, and the answers that do not need a server: version, output
// formats, numbers, an unreachable URL.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RecordingProxy, startRecordingProxy } from './recording-proxy.js';
import { runCli } from './run-cli.js';

/** A port nothing listens on: bound by us, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('tally CLI options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tally-cli-opts-'));
  let recorder: RecordingProxy;

  beforeAll(async () => {
    // Not a Tally server: it records whatever reaches it, to prove that nothing was sent.
    recorder = await startRecordingProxy('http://127.0.0.1:1');
  });
  afterAll(async () => {
    await recorder.close();
  });

  it('--version and -V print the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('refuses an unknown --output with a non-zero exit code', async () => {
    for (const args of [
      ['query', 'tokens', '--output', 'xml'],
      ['meters', 'list', '--output', 'csv'],
      ['accounts', 'list', '--output', 'yaml'],
    ]) {
      const r = await runCli(['--url', recorder.url, '--key', 'k', ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("option '--output <format>' argument");
      expect(r.stdout).toBe('');
    }
    expect(recorder.requests).toEqual([]);
  });

  it('refuses a non-numeric --batch or --from-line before sending anything', async () => {
    const file = join(dir, 'one.ndjson');
    writeFileSync(
      file,
      `${JSON.stringify({ id: 'a', source: 's', type: 't', subject: 'x', data: {} })}\n`,
    );
    const cases: [string, string][] = [
      ['--batch', 'abc'],
      ['--batch', '0'],
      ['--batch', '2.5'],
      ['--from-line', 'x'],
      ['--from-line', '0'],
    ];
    for (const [flag, value] of cases) {
      const r = await runCli(['--url', recorder.url, '--key', 'k', 'ingest', file, flag, value]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`option '${flag} <n>' argument '${value}' is invalid`);
    }
    const format = await runCli(['--url', recorder.url, 'ingest', file, '--format', 'xml']);
    expect(format.code).not.toBe(0);
    expect(format.stderr).toContain("option '--format <format>' argument 'xml' is invalid");
    expect(recorder.requests).toEqual([]);
  });

  it('names the URL it cannot reach, and the reason', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await runCli(['--url', url, '--key', 'k', 'meters', 'list']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`tally: cannot reach Tally at ${url}/: connect ECONNREFUSED`);
    const bad = await runCli(['--url', 'not a url', '--key', 'k', 'meters', 'list']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('invalid server URL "not a url"');
  });
});
