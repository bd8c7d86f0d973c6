// The raw-engine side on ClickHouse: the same rows inserted and the same questions asked directly
// through @clickhouse/client, in a database of its own. Values are inlined literals (numbers and
// fixed names only) because Debian's 18.16 has no query parameters.
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import {
  type Dataset,
  dataJson,
  ENVS,
  EVENT_TYPE,
  eventId,
  MODELS,
  projectName,
  REGIONS,
  SOURCE,
  subjectName,
  userName,
  YEAR_END,
  YEAR_START,
} from './dataset.js';
import type { RawEngine } from './raw-engine.js';
import { DAY_MS, type DashboardCase, HOUR_MS, monthOfDay } from './workload.js';

const ACCOUNT = 'acct_raw';
const TOKENS = 'm_tokens';
const USERS = 'm_users';
const DIMS = Array.from({ length: 16 }, (_, i) => `g${i} Nullable(String)`).join(', ');

// The same tables as the ClickHouse store's migrations (0001, 0002), so the comparison is like for like.
const DDL = (db: string): string[] => [
  `CREATE DATABASE ${db}`,
  `CREATE TABLE ${db}.events (account_id String, source String, id String, type String, subject String, time Int64, ingested_at Int64, data String) ENGINE = MergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(time, 1000))) ORDER BY (account_id, type, time)`,
  `CREATE TABLE ${db}.meter_rows (account_id String, meter_id String, gen UInt64, time Int64, subject String, value Nullable(Float64), value_text Nullable(String), ${DIMS}) ENGINE = MergeTree PARTITION BY toYYYYMM(toDateTime(intDiv(time, 1000))) ORDER BY (account_id, meter_id, gen, time)`,
];

export async function clickhouseDatabaseBytes(url: string, db: string): Promise<number> {
  const client = createClient({ url });
  try {
    const rows = await (
      await client.query({
        query: `SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = '${db}' AND active`,
        format: 'JSONEachRow',
      })
    ).json<{ b: string | number }>();
    return Number(rows[0]?.b ?? 0);
  } finally {
    await client.close();
  }
}

/** Best effort: a busy server may take long to drop; a leftover database is reported, not fatal. */
export async function dropDatabase(url: string, db: string): Promise<void> {
  const client = createClient({ url, request_timeout: 300_000 });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  } catch (err) {
    console.error(`could not drop ClickHouse database ${db}: ${String(err)}`);
  } finally {
    await client.close();
  }
}

export class RawClickHouse implements RawEngine {
  readonly name = 'ClickHouse';

  private constructor(
    private readonly client: ClickHouseClient,
    private readonly db: string,
    private readonly url: string,
  ) {}

  static async open(url: string, db: string): Promise<RawClickHouse> {
    const client = createClient({ url, request_timeout: 600_000 });
    for (const sql of DDL(db)) await client.command({ query: sql });
    return new RawClickHouse(client, db, url);
  }

  /** One INSERT per table per `batch` events, as the store does for an acknowledged batch. */
  async ingest(d: Dataset, tag: string, batch: number): Promise<void> {
    const now = Date.now();
    for (let from = 0; from < d.n; from += batch) {
      const to = Math.min(d.n, from + batch);
      const events: Record<string, unknown>[] = [];
      const rows: Record<string, unknown>[] = [];
      for (let i = from; i < to; i++) {
        const subject = subjectName(d.subject[i] ?? 0);
        const time = d.time[i] ?? 0;
        const env = ENVS[d.env[i] ?? 0];
        events.push({
          account_id: ACCOUNT,
          source: SOURCE,
          id: eventId(tag, i),
          type: EVENT_TYPE,
          subject,
          time,
          ingested_at: now,
          data: dataJson(d, i),
        });
        rows.push({
          account_id: ACCOUNT,
          meter_id: TOKENS,
          gen: 0,
          time,
          subject,
          value: d.tokens[i] ?? 0,
          value_text: null,
          g0: MODELS[d.model[i] ?? 0],
          g1: REGIONS[d.region[i] ?? 0],
          g2: projectName(d.subject[i] ?? 0, d.project[i] ?? 0),
          g3: env,
        });
        rows.push({
          account_id: ACCOUNT,
          meter_id: USERS,
          gen: 0,
          time,
          subject,
          value: null,
          value_text: userName(d.user[i] ?? 0),
          g0: env,
        });
      }
      await this.client.insert({
        table: `${this.db}.events`,
        values: events,
        format: 'JSONEachRow',
      });
      await this.client.insert({
        table: `${this.db}.meter_rows`,
        values: rows,
        format: 'JSONEachRow',
      });
    }
  }

  private async rows(sql: string): Promise<unknown[][]> {
    // JSONEachRow (18.16 has no JSONCompactEachRow); object keys keep the SELECT order.
    const r = await this.client.query({ query: sql, format: 'JSONEachRow' });
    return (await r.json<Record<string, unknown>>()).map((o) => Object.values(o));
  }

  private where(meter: string, from: number, to: number): string {
    return `account_id = '${ACCOUNT}' AND meter_id = '${meter}' AND gen = 0 AND time >= ${from} AND time < ${to}`;
  }

  async dashboard(c: DashboardCase): Promise<number> {
    const rows = await this.rows(
      `SELECT intDiv(time - ${c.from}, ${HOUR_MS}) AS w, g2 AS k, sum(value) AS s FROM ${this.db}.meter_rows WHERE ${this.where(TOKENS, c.from, c.to)} AND subject = '${subjectName(c.subject)}' GROUP BY w, k`,
    );
    return rows.reduce((a: number, r) => a + Number(r[2]), 0);
  }

  async monthlySum(): Promise<number[]> {
    const rows = await this.rows(
      `SELECT intDiv(time - ${YEAR_START}, ${DAY_MS}) AS d, sum(value) AS s FROM ${this.db}.meter_rows WHERE ${this.where(TOKENS, YEAR_START, YEAR_END)} GROUP BY d`,
    );
    const month = monthOfDay();
    const out = new Array<number>(12).fill(0);
    for (const r of rows) {
      const m = month[Number(r[0])] ?? 0;
      out[m] = (out[m] ?? 0) + Number(r[1]);
    }
    return out;
  }

  async monthlyActive(): Promise<number[]> {
    const rows = await this.rows(
      `SELECT fd, count() FROM (SELECT toMonth(toDateTime(intDiv(time, 1000), 'UTC')) AS m, value_text, min(intDiv(time - ${YEAR_START}, ${DAY_MS})) AS fd FROM ${this.db}.meter_rows WHERE ${this.where(USERS, YEAR_START, YEAR_END)} GROUP BY m, value_text) GROUP BY fd`,
    );
    const perDay = new Array<number>(365).fill(0);
    for (const r of rows) perDay[Number(r[0])] = Number(r[1]);
    const monthOf = monthOfDay();
    const out: number[] = [];
    let acc = 0;
    for (let day = 0; day < 365; day++) {
      if (day > 0 && monthOf[day] !== monthOf[day - 1]) acc = 0;
      acc += perDay[day] ?? 0;
      out.push(acc);
    }
    return out;
  }

  async diskBytes(): Promise<number> {
    await this.client
      .command({ query: `OPTIMIZE TABLE ${this.db}.meter_rows` })
      .catch(() => undefined);
    return clickhouseDatabaseBytes(this.url, this.db);
  }

  /** Drops the database (the benchmark's data should not outlive the run on a shared server). */
  async close(): Promise<void> {
    await this.client.close();
    await dropDatabase(this.url, this.db);
  }
}
