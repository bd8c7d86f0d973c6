// Configuration validation, meters declared in a file, and graceful shutdown.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tally-ops-'));

describe('configuration', () => {
  it('reports every problem at once, naming each variable', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', TALLY_STORE: 'postgres', TALLY_ADMIN_TOKEN: 'short' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as Error).message;
    expect(text).toMatch(/PORT:/);
    expect(text).toMatch(/TALLY_STORE:/);
    expect(text).toMatch(/TALLY_ADMIN_TOKEN: must be at least 16 characters/);
  });

  it('needs a ClickHouse URL for the ClickHouse store', () => {
    expect(() => loadConfig({ TALLY_STORE: 'clickhouse' })).toThrow(
      /TALLY_CLICKHOUSE_URL: is required/,
    );
  });
});

describe('meters declared in a file', () => {
  it('creates the declared meters at start, once', async () => {
    const dir = tmp();
    const file = join(dir, 'meters.json');
    writeFileSync(
      file,
      JSON.stringify([
        {
          account: 'acme-platform',
          meters: [
            {
              slug: 'gb_transferred',
              aggregation: 'SUM',
              eventType: 'transfer',
              valueProperty: '$.gb',
              groupBy: { region: '$.region' },
            },
          ],
        },
      ]),
    );
    const config = loadConfig({
      TALLY_DATA_DIR: join(dir, 'data'),
      TALLY_METERS_FILE: file,
      TALLY_LOG_LEVEL: 'silent',
    });
    const first = await createApp(config);
    const account = (await first.services.keys.listAccounts()).find(
      (a) => a.name === 'acme-platform',
    );
    expect(account).toBeDefined();
    const meters = await first.services.meters.list(account?.id ?? '');
    expect(meters.map((m) => [m.slug, m.aggregation, m.dimensions])).toEqual([
      ['gb_transferred', 'SUM', [['region', '$.region']]],
    ]);
    await first.close();
    const second = await createApp(config);
    expect(
      (await second.services.keys.listAccounts()).filter((a) => a.name === 'acme-platform'),
    ).toHaveLength(1);
    expect(await second.services.meters.list(account?.id ?? '')).toHaveLength(1);
    await second.close();
  });
});

describe('graceful shutdown', () => {
  it('finishes in-flight ingest before closing the store', async () => {
    const dir = tmp();
    const env = { PORT: '0', HOST: '127.0.0.1', TALLY_DATA_DIR: dir, TALLY_LOG_LEVEL: 'silent' };
    const running = await startServer(loadConfig(env));
    const s = running.app.services;
    const account = await s.keys.createAccount('shutdown');
    const { key } = await s.keys.createKey(account.id, 'secret');
    await s.meters.create(account.id, { slug: 'calls', aggregation: 'COUNT', eventType: 'call' });
    const events = Array.from({ length: 5000 }, (_, i) => ({
      specversion: '1.0',
      id: `c-${i}`,
      source: 'test',
      type: 'call',
      subject: 's',
      time: '2024-01-01T00:00:00Z',
    }));
    // Stop once the server has the request (not after a guessed delay, which a busy machine can
    // overrun): the server must still answer it.
    const received = new Promise((r) => running.server.once('request', r));
    const ingest = fetch(`${running.url}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    await received;
    const stopped = running.stop();
    const res = await ingest;
    await stopped;
    expect(res.status).toBe(204);
    const again = await createApp(loadConfig(env));
    const total = await again.services.usage.query(account.id, {
      meterSlug: 'calls',
      from: Date.parse('2024-01-01T00:00:00Z'),
      to: Date.parse('2024-01-02T00:00:00Z'),
      timeZone: 'UTC',
      groupBy: [],
      subjects: [],
      filters: {},
      mode: { kind: 'incremental' },
      fillZero: false,
    });
    expect(total.rows.map((r) => r.value)).toEqual([5000]);
    await again.close();
  });
});
