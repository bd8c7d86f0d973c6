// `tally serve` as a newcomer meets it: the admin token is made once, kept owner-only in the data
// directory and shown once, so the token from the first start still works after a restart; and
// the fixed demo key of TALLY_DEMO_SECRET_KEY works on a data directory that already exists.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, untilAnswering } from '../support/tally-process.js';

const run = promisify(execFile);

interface Started {
  url: string;
  child: ChildProcess;
  output: () => string;
}

const running: ChildProcess[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
});

/** `tally serve [--demo]` with no TALLY_ADMIN_TOKEN in its environment; resolves when it answers. */
async function serve(
  dataDir: string,
  extraEnv: Record<string, string> = {},
  args: string[] = [],
): Promise<Started> {
  const port = await freePort();
  const { TALLY_ADMIN_TOKEN: _, ...parent } = process.env;
  const child = spawn(process.execPath, ['bin/tally.js', 'serve', ...args], {
    env: {
      ...parent,
      PORT: String(port),
      HOST: '127.0.0.1',
      TALLY_DATA_DIR: dataDir,
      TALLY_LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  const collect = (b: Buffer) => {
    output += b.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  await untilAnswering(child, `${url}/readyz`, { deadlineMs: 90_000, output: () => output });
  return { url, child, output: () => output };
}

async function stop(s: Started): Promise<void> {
  s.child.kill('SIGTERM');
  if (s.child.exitCode === null) await new Promise((r) => s.child.once('exit', r));
}

const accountsWith = (url: string, token: string) =>
  fetch(`${url}/admin/v1/accounts`, { headers: { authorization: `Bearer ${token}` } });

describe('tally serve at start', () => {
  it('makes the admin token once, keeps it owner-only, shows it once, and it survives a restart', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tally-start-')), 'data');
    const first = await serve(dir);
    const file = join(dir, 'admin-token');
    const token = readFileSync(file, 'utf8').trim();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.output().split(token).length - 1).toBe(1);
    expect((await accountsWith(first.url, token)).status).toBe(200);
    expect((await accountsWith(first.url, `${token}x`)).status).toBe(401);
    await stop(first);

    const second = await serve(dir);
    expect(second.output()).not.toContain(token);
    expect((await accountsWith(second.url, token)).status).toBe(200);
  });

  it('TALLY_DEMO_SECRET_KEY works on a data directory seeded without it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'tally-start-')), 'data');
    // A small demo seeded offline, as `tally demo` does, with keys made at random.
    await run(process.execPath, ['bin/tally.js', 'demo', '--days', '1'], {
      env: { ...process.env, TALLY_DATA_DIR: dir, TALLY_LOG_LEVEL: 'warn' },
    });
    expect(statSync(join(dir, 'tally.duckdb')).size).toBeGreaterThan(0);
    const key = 'sk_demo_fixed_for_the_readme';
    const s = await serve(dir, { TALLY_DEMO_SECRET_KEY: key });
    const before = await fetch(`${s.url}/api/v1/meters`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(before.status).toBe(401);
    await stop(s);

    const demo = await serve(dir, { TALLY_DEMO_SECRET_KEY: key }, ['--demo']);
    const meters = await fetch(`${demo.url}/api/v1/meters`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(meters.status).toBe(200);
    const slugs = ((await meters.json()) as { slug: string }[]).map((m) => m.slug);
    expect(slugs).toContain('ai_tokens');
    // The README's example query, relative dates included, answers with the demo's usage.
    const readme = await fetch(
      `${demo.url}/api/v1/meters/ai_tokens/query?windowSize=DAY&windowTimeZone=Europe/Berlin&groupBy=model&from=-P7D`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    expect(readme.status).toBe(200);
    const rows = (
      (await readme.json()) as { data: { value: number; groupBy: { model: string } }[] }
    ).data;
    expect(rows.reduce((sum, r) => sum + r.value, 0)).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.groupBy.model)).size).toBeGreaterThan(1);
  });
});
