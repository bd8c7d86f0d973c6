// Checks a running Tally container (scripts/container/test.sh): it answers the API and the
// dashboard, runs as a non-root user, keeps its admin token in the data volume, and counts usage.
// `first` sends events to a fresh volume; `again` (a new container on the same volume) finds them.
// Usage: tsx scripts/container/check-running.ts <url> <container> first|again
import { execFileSync } from 'node:child_process';

const [urlArg, containerArg, phase] = process.argv.slice(2);
if (!urlArg || !containerArg || (phase !== 'first' && phase !== 'again')) {
  throw new Error('usage: check-running.ts <url> <container> first|again');
}
const url: string = urlArg;
const container: string = containerArg;
const VALUES = [7, 70, 700];
const RANGE = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`container ${container}: ${what}`);
  console.log(`  ok  ${what}`);
}

const exec = (...args: string[]) =>
  execFileSync('podman', ['exec', container, ...args], { encoding: 'utf8' }).trim();

async function untilReady(): Promise<void> {
  // Bounds only a start that never finishes (the first start on a fresh volume migrates the store).
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    const state = execFileSync('podman', ['inspect', container, '--format', '{{.State.Status}}'], {
      encoding: 'utf8',
    }).trim();
    if (state !== 'running') {
      const logs = execFileSync('podman', ['logs', container], { encoding: 'utf8' });
      throw new Error(`container ${container} is ${state}:\n${logs}`);
    }
    if (Date.now() > deadline)
      throw new Error(`container ${container}: ${url}/readyz never answered`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function call<T>(path: string, token: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  if (!res.ok)
    throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

await untilReady();
check(true, `${url}/readyz answers`);
const page = await fetch(`${url}/`);
check(page.status === 200 && (await page.text()).includes('<script'), 'the dashboard answers at /');
check(exec('id', '-u') !== '0', `the server runs as a non-root user (uid ${exec('id', '-u')})`);
const admin = exec('cat', '/data/admin-token');
check(admin.length >= 16, 'the admin token was made in the data volume');

const accounts = await call<{ id: string; name: string }[]>('/admin/v1/accounts', admin);
let account = accounts.find((a) => a.name === 'container-check');
if (phase === 'first') {
  check(account === undefined, 'a fresh volume holds no account');
  account = (await call<{ id: string }>('/admin/v1/accounts', admin, {
    method: 'POST',
    body: JSON.stringify({ name: 'container-check' }),
  })) as { id: string; name: string };
} else {
  check(account !== undefined, 'the account made by the first container is still there');
}
const accountId = account?.id ?? '';
const { key } = await call<{ key: string }>(`/admin/v1/accounts/${accountId}/keys`, admin, {
  method: 'POST',
  body: JSON.stringify({ kind: 'secret' }),
});
if (phase === 'first') {
  await call('/api/v1/meters', key, {
    method: 'POST',
    body: JSON.stringify({
      slug: 'minutes',
      aggregation: 'SUM',
      eventType: 'transcode',
      valueProperty: '$.minutes',
    }),
  });
  const res = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/cloudevents-batch+json',
    },
    body: JSON.stringify(
      VALUES.map((minutes, i) => ({
        specversion: '1.0',
        id: `c${i}`,
        source: 'container-check',
        type: 'transcode',
        subject: 'customer-1',
        time: new Date(Date.UTC(2026, 0, 2 + i)).toISOString(),
        data: { minutes },
      })),
    ),
  });
  check(res.ok, `events are accepted (${res.status})`);
}
const usage = await call<{ data: { value: number }[] }>(
  `/api/v1/meters/minutes/query?${RANGE}`,
  key,
);
const total = usage.data.reduce((s, r) => s + r.value, 0);
const expected = VALUES.reduce((s, v) => s + v, 0);
check(total === expected, `usage counts the events exactly (${total} of ${expected})`);
