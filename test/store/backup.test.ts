// Online backup of the embedded store while it ingests, and restore: every event acknowledged
// before the backup started comes back exactly once, batches that raced the backup come back
// whole or not at all, and the restored store still refuses duplicates of what it holds. The
// expected numbers are sums over the events this test sent, never the store's own figures.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { registerBackupCommands } from '../../src/cli/backup.commands.js';
import type { UsageQuery } from '../../src/query/usage-query.js';
import { DuckDbStore } from '../../src/store/embedded/duckdb-store.js';
import type { BackupInfo } from '../../src/store/ports.js';
import { type Domain, domainOver } from '../behaviour/domain.js';
import { jsonInit, startTestServer } from '../support/test-server.js';

const T0 = Date.parse('2025-03-01T00:00:00Z');
const PER_BATCH = 40;
const scratch = mkdtempSync(join(tmpdir(), 'tally-backup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Sent {
  subject: string;
  id: string;
  n: number;
}

/** Batch `b` of a group: its own subject, values that differ per event and per batch. */
function batch(group: string, b: number): Sent[] {
  return Array.from({ length: PER_BATCH }, (_, i) => ({
    subject: `${group}-${b}`,
    id: `${group}-${b}-${i}`,
    n: (b + 1) * 1000 + i * 7 + 3,
  }));
}

function cloudEvents(events: Sent[]) {
  return events.map((e, i) => ({
    value: {
      id: e.id,
      source: 'backup-test',
      specversion: '1.0',
      type: 'call',
      subject: e.subject,
      time: new Date(T0 + (i % 30) * 3_600_000).toISOString(),
      data: { n: e.n },
    },
  }));
}

async function send(d: Domain, account: string, events: Sent[]): Promise<void> {
  const summary = await d.ingest.ingest(account, cloudEvents(events));
  expect(summary).toMatchObject({ accepted: events.length, duplicates: 0, rejected: [] });
}

/** SUM and COUNT of the meters per subject, over the whole test range. */
async function totals(d: Domain, account: string): Promise<Map<string, [number, number]>> {
  const q = (meterSlug: string): UsageQuery => ({
    meterSlug,
    from: T0 - 86_400_000,
    to: T0 + 7 * 86_400_000,
    timeZone: 'UTC',
    groupBy: ['subject'],
    subjects: [],
    filters: {},
    mode: { kind: 'incremental' },
    fillZero: false,
  });
  const out = new Map<string, [number, number]>();
  for (const r of (await d.usage.query(account, q('n_sum'))).rows) {
    out.set(String(r.subject), [r.value, 0]);
  }
  for (const r of (await d.usage.query(account, q('n_count'))).rows) {
    const t = out.get(String(r.subject)) ?? [0, 0];
    t[1] = r.value;
    out.set(String(r.subject), t);
  }
  return out;
}

const sumOf = (events: Sent[]) => events.reduce((s, e) => s + e.n, 0);

/**
 * Ingests `before` batches, then (with the write chain held, when `holdFolds`) more batches that
 * stay unfolded in the ingest log, then backs up while `during` batches are sent concurrently;
 * restores into a new directory and checks the restored store against what was sent.
 */
async function backupAndRestore(label: string, holdFolds: boolean) {
  const dataDir = join(scratch, `${label}-data`);
  const backupDir = join(scratch, `${label}-backup`);
  const restoredDir = join(scratch, `${label}-restored`);
  const store = await DuckDbStore.open({ dataDir, compaction: { intervalMs: 0 } });
  const d = domainOver(store);
  const account = (await d.keys.createAccount('backup')).id;
  await d.meters.create(account, {
    slug: 'n_sum',
    aggregation: 'SUM',
    eventType: 'call',
    valueProperty: '$.n',
  });
  await d.meters.create(account, { slug: 'n_count', aggregation: 'COUNT', eventType: 'call' });

  const acked: Sent[][] = [];
  for (let b = 0; b < 10; b++) {
    const events = batch('before', b);
    await send(d, account, events);
    acked.push(events);
  }
  // A backfill of a meter with no rows holds the writer connection's chain until released: folds
  // wait behind it, acknowledgements do not, so these batches sit only in the ingest log.
  let release: () => void = () => undefined;
  let held: Promise<void> = Promise.resolve();
  if (holdFolds) {
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let entered: () => void = () => undefined;
    const inside = new Promise<void>((r) => {
      entered = r;
    });
    held = store.replaceMeterRows('no-such-meter', account, async () => {
      entered();
      await gate;
    });
    await inside;
    for (let b = 0; b < 4; b++) {
      const events = batch('unfolded', b);
      await send(d, account, events);
      acked.push(events);
    }
  }

  const during = Array.from({ length: 8 }, (_, b) => batch('during', b));
  const [info] = (await Promise.all([
    store.backup(backupDir),
    ...during.map((events) => send(d, account, events)),
  ])) as [BackupInfo, ...unknown[]];
  release();
  await held;

  const ackedEvents = acked.flat();
  if (holdFolds) {
    // The unfolded batches can only have come from the ingest log, not the snapshot.
    expect(info.tailEvents).toBeGreaterThanOrEqual(4 * PER_BATCH);
    expect(info.writerBlockedMs).toBe(0);
  }
  expect(info.events).toBeGreaterThanOrEqual(ackedEvents.length);
  expect(info.ingestLogSeq).toBeGreaterThanOrEqual(info.snapshotSeq);

  // The source store goes on with everything, the late batches included.
  const live = await totals(d, account);
  for (const events of [...acked, ...during]) {
    expect(live.get(events[0]?.subject as string)).toEqual([sumOf(events), events.length]);
  }
  await store.close();

  const restored = await DuckDbStore.restore(backupDir, restoredDir);
  expect(restored.events).toBe(info.events);
  const r = domainOver(await DuckDbStore.open({ dataDir: restoredDir }));
  try {
    const got = await totals(r, account);
    // Acknowledged before the backup started: there, each once.
    for (const events of acked) {
      expect(got.get(events[0]?.subject as string)).toEqual([sumOf(events), events.length]);
    }
    // Raced the backup: whole or absent (a batch is one log record), and what is there adds up
    // to what the backup claims.
    let raced = 0;
    const inBackup: Sent[][] = [];
    for (const events of during) {
      const t = got.get(events[0]?.subject as string);
      if (t === undefined) continue;
      expect(t).toEqual([sumOf(events), events.length]);
      raced += events.length;
      inBackup.push(events);
    }
    expect(got.size).toBe(acked.length + inBackup.length);
    expect(ackedEvents.length + raced).toBe(info.events);
    expect((await r.store.stats()).events).toBe(info.events);

    // Dedupe intact: a resend of a backed-up event (snapshot or replayed tail) is refused; an
    // event the backup does not hold is accepted.
    const resend = [
      acked[0]?.[0] as Sent,
      acked[acked.length - 1]?.[PER_BATCH - 1] as Sent,
      ...inBackup.map((events) => events[5] as Sent),
    ];
    const again = await r.ingest.ingest(account, cloudEvents(resend));
    expect(again).toMatchObject({ accepted: 0, duplicates: resend.length });
    const missing = during.find((events) => !inBackup.includes(events));
    if (missing) {
      const fresh = await r.ingest.ingest(account, cloudEvents([missing[0] as Sent]));
      expect(fresh).toMatchObject({ accepted: 1, duplicates: 0 });
    }
    const after = await totals(r, account);
    for (const events of acked) {
      expect(after.get(events[0]?.subject as string)).toEqual([sumOf(events), events.length]);
    }
  } finally {
    await r.store.close();
  }
}

describe('online backup and restore of the embedded store', () => {
  it('with folds held: acknowledged events still in the ingest log come back once', async () => {
    await backupAndRestore('held', true);
  }, 60_000);

  it('while folds run: acknowledged events come back once, raced batches whole or not', async () => {
    await backupAndRestore('running', false);
  }, 60_000);

  it('refuses targets that are relative, inside the data directory, or not empty', async () => {
    const dataDir = join(scratch, 'refuse-data');
    const store = await DuckDbStore.open({ dataDir, compaction: { intervalMs: 0 } });
    try {
      const full = join(scratch, 'refuse-full');
      mkdirSync(full);
      writeFileSync(join(full, 'x'), 'x');
      for (const path of ['relative/dir', join(dataDir, 'b'), dataDir, full]) {
        await expect(store.backup(path), path).rejects.toMatchObject({ code: 'validation' });
      }
      const first = store.backup(join(scratch, 'refuse-one'));
      await expect(store.backup(join(scratch, 'refuse-two'))).rejects.toMatchObject({
        code: 'conflict',
      });
      expect((await first).events).toBe(0);
      expect(existsSync(join(scratch, 'refuse-two'))).toBe(false);
    } finally {
      await store.close();
    }
  });

  it('a close during a backup ends it: a complete backup or none, never half of one', async () => {
    const dataDir = join(scratch, 'close-data');
    const target = join(scratch, 'close-backup');
    const store = await DuckDbStore.open({ dataDir, compaction: { intervalMs: 0 } });
    const d = domainOver(store);
    await send(d, (await d.keys.createAccount('close')).id, batch('close', 0));
    const [backup, closed] = await Promise.allSettled([store.backup(target), store.close()]);
    expect(closed.status).toBe('fulfilled');
    if (backup.status === 'fulfilled') expect(existsSync(join(target, 'backup.json'))).toBe(true);
    else expect(existsSync(target)).toBe(false);
  });

  it('restore refuses a non-empty data directory and a damaged backup', async () => {
    const dataDir = join(scratch, 'damage-data');
    const backupDir = join(scratch, 'damage-backup');
    const store = await DuckDbStore.open({ dataDir, compaction: { intervalMs: 0 } });
    const d = domainOver(store);
    const account = (await d.keys.createAccount('damage')).id;
    await send(d, account, batch('x', 0));
    await store.backup(backupDir);
    await store.close();
    await expect(DuckDbStore.restore(backupDir, dataDir)).rejects.toThrow(/empty/);
    const db = join(backupDir, 'tally.duckdb');
    const bytes = readFileSync(db);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    writeFileSync(db, bytes);
    await expect(DuckDbStore.restore(backupDir, join(scratch, 'damage-restored'))).rejects.toThrow(
      /does not match its manifest/,
    );
  });
});

describe('POST /admin/v1/backup', () => {
  it('backs up with the admin token and refuses other keys and paths in the data directory', async () => {
    const server = await startTestServer();
    try {
      const account = await server.createAccount('backup-route');
      const body = (path: string) => JSON.stringify({ path });
      const post = (key: string, path: string) =>
        server.request('/admin/v1/backup', {
          method: 'POST',
          key,
          headers: { 'content-type': 'application/json' },
          body: body(path),
        });
      const ingest = await server.request(
        '/api/v1/events',
        jsonInit(
          account.secretKey,
          'POST',
          cloudEvents(batch('route', 0)).map((c) => c.value),
        ),
      );
      expect(ingest.status).toBe(204);

      const target = join(scratch, 'route-backup');
      expect((await post(account.secretKey, target)).status).toBe(401);
      const inside = await post(server.adminToken, join(server.dataDir, 'backups'));
      expect(inside.status).toBe(400);
      expect(await inside.json()).toMatchObject({
        detail: expect.stringMatching(/data directory/),
      });

      const ok = await post(server.adminToken, target);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toMatchObject({ path: target, events: PER_BATCH });
      // The directory now holds a backup: a second one there is refused.
      expect((await post(server.adminToken, target)).status).toBe(400);

      // The CLI: `tally backup` through the route, `tally restore` offline.
      const printed: unknown[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((text: string) => {
        printed.push(JSON.parse(text));
      });
      try {
        const cli = () => {
          const program = new Command().option('--url <url>').exitOverride();
          registerBackupCommands(program);
          return program;
        };
        const cliTarget = join(scratch, 'cli-backup');
        const restoredDir = join(scratch, 'cli-restored');
        await cli().parseAsync(
          ['--url', server.url, 'backup', cliTarget, '--admin-token', server.adminToken],
          { from: 'user' },
        );
        await cli().parseAsync(['restore', cliTarget, restoredDir], { from: 'user' });
        expect(printed).toMatchObject([
          { path: cliTarget, events: PER_BATCH },
          { dataDir: restoredDir, events: PER_BATCH },
        ]);
      } finally {
        log.mockRestore();
      }
    } finally {
      await server.stop();
    }
  }, 60_000);
});
