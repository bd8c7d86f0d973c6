// The release package as a user gets it: `npm pack` (which builds), then the tarball installed
// into an empty folder without dev dependencies, then `tally --version` and `tally serve` from
// there, with the API, the dashboard and the API reference answering. Run by `npm test`; prints
// the tarball size, the install size and the CLI start time for the notes and the README.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, untilAnswering } from '../../test/support/tally-process.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }
).version;
/** Packages the release must run without: the build and test tool chain. */
const DEV_ONLY = ['tsx', 'vite', 'typescript', 'chdb', 'vitest', 'uplot', 'swagger-ui-dist'];

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`release package: ${what}`);
  console.log(`  ok  ${what}`);
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += bytesUnder(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'tally-release-'));
  let server: ChildProcess | undefined;
  try {
    console.log('npm pack (builds the JavaScript and the dashboard first)');
    const packed = execFileSync('npm', ['pack', '--pack-destination', work, '--silent'], {
      cwd: REPO,
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .at(-1);
    const tarball = join(work, packed ?? '');
    check(existsSync(tarball), `npm pack wrote ${packed}`);

    const app = join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    await writeFile(join(app, 'package.json'), '{"name":"tally-install-check","private":true}\n');
    console.log('npm install --omit=dev <tarball> in an empty folder');
    execFileSync('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tarball], {
      cwd: app,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const modules = join(app, 'node_modules');
    for (const name of DEV_ONLY) check(!existsSync(join(modules, name)), `no ${name} installed`);
    const installed = join(modules, 'tally');
    check(!existsSync(join(installed, 'src')), 'the package ships no TypeScript sources');
    check(existsSync(join(installed, 'web/dist/index.html')), 'the package ships the dashboard');

    const bin = join(modules, '.bin/tally');
    // The systemd unit as shipped, pointed at this installation: systemd's own checker reads it.
    const unit = readFileSync(join(REPO, 'deploy/systemd/tally.service'), 'utf8');
    const unitDir = join(work, 'unit');
    execFileSync('mkdir', ['-p', unitDir]);
    await writeFile(
      join(unitDir, 'tally.service'),
      unit.replaceAll('/opt/tally/node_modules/.bin/tally', bin),
    );
    execFileSync('systemd-analyze', ['verify', join(unitDir, 'tally.service')], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    check(true, 'systemd-analyze verify accepts deploy/systemd/tally.service');
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = process.hrtime.bigint();
      const out = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
      check(out === VERSION, `tally --version prints ${VERSION} (run ${i + 1})`);
    }
    times.sort((a, b) => a - b);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const data = join(work, 'data');
    let output = '';
    server = spawn(bin, ['serve'], {
      cwd: app,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TALLY_DATA_DIR: data },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = server;
    child.stdout?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      output += b.toString();
    });
    await untilAnswering(child, `${url}/readyz`, { deadlineMs: 120_000, output: () => output });
    const page = await fetch(`${url}/`);
    check(
      page.status === 200 && (await page.text()).includes('<script'),
      'the dashboard answers at /',
    );
    check((await fetch(`${url}/docs`)).status === 200, 'the API reference answers at /docs');
    check((await fetch(`${url}/openapi.json`)).status === 200, 'the OpenAPI document answers');

    const tokenFile = join(data, 'admin-token');
    check(existsSync(tokenFile), 'the admin token was made and kept in the data directory');
    const admin = { authorization: `Bearer ${readFileSync(tokenFile, 'utf8').trim()}` };
    const json = { 'content-type': 'application/json' };
    const account = (await (
      await fetch(`${url}/admin/v1/accounts`, {
        method: 'POST',
        headers: { ...admin, ...json },
        body: JSON.stringify({ name: 'release-check' }),
      })
    ).json()) as { id: string };
    const { key } = (await (
      await fetch(`${url}/admin/v1/accounts/${account.id}/keys`, {
        method: 'POST',
        headers: { ...admin, ...json },
        body: JSON.stringify({ kind: 'secret' }),
      })
    ).json()) as { key: string };
    const auth = { authorization: `Bearer ${key}` };
    const meter = await fetch(`${url}/api/v1/meters`, {
      method: 'POST',
      headers: { ...auth, ...json },
      body: JSON.stringify({
        slug: 'tokens',
        aggregation: 'SUM',
        eventType: 'request',
        valueProperty: '$.tokens',
      }),
    });
    check(meter.status === 201 || meter.status === 200, 'a meter is created');
    const values = [3, 40, 500];
    const ingest = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify(
        values.map((tokens, i) => ({
          specversion: '1.0',
          id: `e${i}`,
          source: 'release-check',
          type: 'request',
          subject: 'customer-1',
          time: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
          data: { tokens },
        })),
      ),
    });
    check(ingest.ok, `events are accepted (${ingest.status})`);
    const usage = (await (
      await fetch(
        `${url}/api/v1/meters/tokens/query?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z`,
        { headers: auth },
      )
    ).json()) as { data: { value: number }[] };
    const total = usage.data.reduce((s, r) => s + r.value, 0);
    check(total === values.reduce((s, v) => s + v, 0), `the usage query counts them (${total})`);

    console.log(
      `\nrelease package: tarball ${mb(statSync(tarball).size)}, installed node_modules ${mb(bytesUnder(modules))}, ` +
        `tally --version ${times[2]?.toFixed(0)} ms median of 5 (min ${times[0]?.toFixed(0)} ms, max ${times[4]?.toFixed(0)} ms)`,
    );
  } finally {
    server?.kill('SIGTERM');
    if (server && server.exitCode === null) await new Promise((r) => server?.once('exit', r));
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
