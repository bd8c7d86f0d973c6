// Writes an embedded-store data directory with the release checked out where it runs, for the
// upgrade test (test/store/upgrade.test.ts): that test opens it with the current code. Run it from
// a checkout of the OLD release, through that release's own services, so the directory is exactly
// what the release leaves behind:
//
//   cd /work/main && git worktree add --detach /tmp/tally-old <commit>
//   ln -s /work/main/node_modules /tmp/tally-old/node_modules
//   cd /tmp/tally-old && mkdir -p test/fixtures/upgrade
//   cp /work/main/scripts/make-upgrade-fixture.ts scripts/
//   cp /work/main/test/fixtures/upgrade/generator.ts test/fixtures/upgrade/
//   npx tsx scripts/make-upgrade-fixture.ts /tmp/upgrade-out \
//     /work/main/test/fixtures/upgrade/embedded-<commit>.tar.gz
//   cd /work/main && git worktree remove --force /tmp/tally-old && git worktree prune
//
// What the directory holds (the events: test/fixtures/upgrade/generator.ts): two accounts, keys of
// every kind (one revoked), three meters (SUM with two dimensions, COUNT, UNIQUE_COUNT created
// halfway and backfilled), 20,000 events over three months with 100 retries refused as duplicates,
// the SUM meter's dimensions edited (backfill), a compaction with the clock after the months, and a
// clean close. Then a child process appends a second batch: part folded into DuckDB (left in the
// WAL, not checkpointed), part only acknowledged, and is killed with SIGKILL before that part is
// folded (its event loop is blocked after the acknowledgement), so the ingest log holds
// acknowledged records DuckDB lacks. The script checks that state on copies (DuckDB alone lacks the
// logged events; the old store recovers them all), writes manifest.json beside data/, and packs.

import { execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { KeyService } from '../src/auth/key-service.js';
import { IngestService } from '../src/ingest/ingest-service.js';
import { MeterService } from '../src/meter/meter-service.js';
import { DuckDbStore } from '../src/store/embedded/duckdb-store.js';
import {
  ACCOUNT_NAMES,
  ACTIVE_USERS,
  type AccountName,
  CALL_EVENTS,
  COMPACTED_AT,
  type FixtureEvent,
  firstBatch,
  KEYS,
  type MeterSpec,
  REQUESTS,
  resentEvents,
  SEED,
  secondBatch,
  TOKENS,
  TOKENS_EDITED_GROUP_BY,
  type UpgradeManifest,
} from '../test/fixtures/upgrade/generator.js';

const CRASH_CHILD = '--crash-child';
const ACKED = 'acked';

interface Services {
  store: DuckDbStore;
  meters: MeterService;
  ingest: IngestService;
  keys: KeyService;
}

function services(store: DuckDbStore, meterCacheMs?: number): Services {
  const meters = new MeterService(store, Date.now, meterCacheMs);
  return {
    store,
    meters,
    ingest: new IngestService(store, meters, { maxInFlightEvents: 200_000 }),
    keys: new KeyService(store),
  };
}

async function accountIds(s: Services): Promise<Record<AccountName, string>> {
  const all = await s.keys.listAccounts();
  const id = (name: AccountName) => {
    const a = all.find((x) => x.name === name);
    if (!a) throw new Error(`account ${name} is missing`);
    return a.id;
  };
  return { acme: id('acme'), globex: id('globex') };
}

/** One ingest call, as the events route makes it; fails unless the counts are `want`. */
async function send(
  s: Services,
  accountId: string,
  events: FixtureEvent[],
  want: { accepted: number; duplicates: number },
): Promise<void> {
  const summary = await s.ingest.ingest(
    accountId,
    events.map((e) => ({ value: e.event })),
  );
  if (
    summary.accepted !== want.accepted ||
    summary.duplicates !== want.duplicates ||
    summary.rejected.length > 0
  ) {
    throw new Error(`ingest answered ${JSON.stringify(summary)}, wanted ${JSON.stringify(want)}`);
  }
}

async function sendInCalls(
  s: Services,
  ids: Record<AccountName, string>,
  events: FixtureEvent[],
): Promise<void> {
  for (let i = 0; i < events.length; i += CALL_EVENTS * 2) {
    const slice = events.slice(i, i + CALL_EVENTS * 2);
    for (const account of ACCOUNT_NAMES) {
      const mine = slice.filter((e) => e.account === account);
      if (mine.length > 0)
        await send(s, ids[account], mine, { accepted: mine.length, duplicates: 0 });
    }
  }
}

function meterInput(m: MeterSpec) {
  return {
    slug: m.slug,
    aggregation: m.aggregation,
    eventType: m.eventType,
    groupBy: m.groupBy,
    ...(m.valueProperty === undefined ? {} : { valueProperty: m.valueProperty }),
  };
}

/** Everything up to the clean close: accounts, keys, meters, the first batch, edit, compaction. */
async function firstLife(dataDir: string) {
  const store = await DuckDbStore.open({
    dataDir,
    // The clock after the three months, and no quiet period: every month is due at compactNow.
    compaction: { intervalMs: 0, quietMs: 0, now: () => COMPACTED_AT },
  });
  const s = services(store);
  const ids = {} as Record<AccountName, string>;
  for (const name of ACCOUNT_NAMES) ids[name] = (await s.keys.createAccount(name)).id;
  const keys: Record<string, string> = {};
  for (const k of KEYS) {
    const { key, record } = await s.keys.createKey(ids[k.account], k.kind, k.subject);
    if (k.revoked) await s.keys.revokeKey(ids[k.account], record.id);
    keys[k.name] = key;
  }
  const meters: UpgradeManifest['meters'] = [];
  const create = async (m: MeterSpec) => {
    const made = await s.meters.create(ids[m.account], meterInput(m));
    meters.push({ account: m.account, slug: m.slug, id: made.id });
  };
  await create(TOKENS);
  await create(REQUESTS);
  const first = firstBatch();
  const half = first.length / 2;
  await sendInCalls(s, ids, first.slice(0, half));
  await create(ACTIVE_USERS);
  await sendInCalls(s, ids, first.slice(half));
  const resent = resentEvents(first);
  for (const account of ACCOUNT_NAMES) {
    const mine = resent.filter((e) => e.account === account);
    await send(s, ids[account], mine, { accepted: 0, duplicates: mine.length });
  }
  await s.meters.update(ids.acme, TOKENS.slug, { groupBy: TOKENS_EDITED_GROUP_BY });
  const chunks = await store.compactNow();
  if (chunks.length === 0) throw new Error('the compaction rewrote nothing');
  await store.close();
  return { ids, keys, meters, resent: resent.length, chunks: chunks.length };
}

/** The child: the second batch, then blocked after the last acknowledgement until SIGKILL. */
async function crashChild(dataDir: string): Promise<void> {
  const store = await DuckDbStore.open({ dataDir, compaction: { intervalMs: 0 } });
  // A long meter cache: the logged calls must reach the store in the same turn of the event loop.
  const s = services(store, 3_600_000);
  const ids = await accountIds(s);
  const second = secondBatch();
  for (const c of second.folded) {
    await send(s, ids[c.account], c.events, { accepted: c.events.length, duplicates: 0 });
  }
  // A read waits until every acknowledged event is folded into DuckDB.
  await store.stats();
  await Promise.all(
    second.logged.map((c) =>
      send(s, ids[c.account], c.events, { accepted: c.events.length, duplicates: 0 }),
    ),
  );
  // Synchronous write, then the event loop blocked: the fold queued behind the acknowledgement
  // never starts, and the parent's SIGKILL ends the process with it pending.
  writeFileSync(1, `${ACKED}\n`);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

function runCrashChild(dataDir: string): Promise<void> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, [...process.execArgv, script, CRASH_CHILD, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveKilled, reject) => {
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes(ACKED)) child.kill('SIGKILL');
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL' && out.includes(ACKED)) resolveKilled();
      else reject(new Error(`the crash child ended with ${code ?? signal} before acknowledging`));
    });
  });
}

/** DuckDB alone (WAL replayed, ingest log ignored), on a copy: what it had at the kill. */
async function duckDbAtKill(dataDir: string): Promise<{ events: number; appliedSeq: number }> {
  const copy = mkdtempSync(join(tmpdir(), 'upgrade-check-'));
  try {
    cpSync(dataDir, copy, { recursive: true });
    const instance = await DuckDBInstance.create(join(copy, 'tally.duckdb'));
    const conn = await instance.connect();
    const [[events, appliedSeq]] = (
      await conn.runAndReadAll(
        'SELECT (SELECT count(*) FROM events), (SELECT applied_seq FROM ingest_state)',
      )
    ).getRows() as [[bigint, bigint]];
    conn.closeSync();
    instance.closeSync();
    return { events: Number(events), appliedSeq: Number(appliedSeq) };
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/** The old store itself, on a copy: its event count once it has recovered the ingest log. */
async function recoveredEvents(dataDir: string): Promise<number> {
  const copy = mkdtempSync(join(tmpdir(), 'upgrade-check-'));
  try {
    cpSync(dataDir, copy, { recursive: true });
    const store = await DuckDbStore.open({ dataDir: copy, compaction: { intervalMs: 0 } });
    const { events } = await store.stats();
    await store.close();
    return events;
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function filesOf(root: string, dir = root): { path: string; bytes: number }[] {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((d) => {
      const p = join(dir, d.name);
      return d.isDirectory()
        ? filesOf(root, p)
        : [{ path: relative(root, p), bytes: statSync(p).size }];
    });
}

async function main(outDir: string, tarball: string | undefined): Promise<void> {
  rmSync(outDir, { recursive: true, force: true });
  const dataDir = join(outDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const first = await firstLife(dataDir);
  await runCrashChild(dataDir);

  const second = secondBatch();
  const count = (calls: { events: unknown[] }[]) => calls.reduce((n, c) => n + c.events.length, 0);
  const firstCount = firstBatch().length;
  const folded = count(second.folded);
  const logged = count(second.logged);
  const atKill = await duckDbAtKill(dataDir);
  if (atKill.events !== firstCount + folded) {
    throw new Error(
      `DuckDB held ${atKill.events} events at the kill, wanted ${firstCount + folded}`,
    );
  }
  const recovered = await recoveredEvents(dataDir);
  if (recovered !== firstCount + folded + logged) {
    throw new Error(
      `the old store recovered ${recovered} events, wanted ${firstCount + folded + logged}`,
    );
  }

  const manifest: UpgradeManifest = {
    format: 1,
    oldCommit: execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim(),
    madeAt: new Date().toISOString(),
    seed: SEED,
    accounts: { acme: { id: first.ids.acme }, globex: { id: first.ids.globex } },
    keys: first.keys,
    meters: first.meters,
    counts: {
      firstBatch: firstCount,
      resentDuplicates: first.resent,
      secondFolded: folded,
      secondLogged: logged,
      stored: recovered,
      inDuckDbAtKill: atKill.events,
      compactedChunks: first.chunks,
    },
    appliedSeqAtKill: atKill.appliedSeq,
    files: filesOf(dataDir),
  };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(manifest, null, 2)}\n`);
  if (tarball) {
    mkdirSync(dirname(resolve(tarball)), { recursive: true });
    execFileSync('tar', [
      '--sort=name',
      '--owner=0',
      '--group=0',
      '--numeric-owner',
      '-czf',
      resolve(tarball),
      '-C',
      outDir,
      'manifest.json',
      'data',
    ]);
    process.stdout.write(`packed ${tarball}: ${statSync(tarball).size} bytes\n`);
  }
}

const [, , first, second] = process.argv;
if (first === CRASH_CHILD && second) {
  await crashChild(second);
} else if (first) {
  await main(resolve(first), second);
} else {
  process.stderr.write('usage: tsx scripts/make-upgrade-fixture.ts <outDir> [<tarball>]\n');
  process.exit(2);
}
