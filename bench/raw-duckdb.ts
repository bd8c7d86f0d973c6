// The raw-engine side on DuckDB: the same rows and the same questions as the server, written
// directly with a reused DataChunk appender and hand-written SQL, in a data directory of its own.
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  BIGINT,
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  DuckDBInstance,
  type DuckDBValue,
  UBIGINT,
  USMALLINT,
  VARCHAR,
} from '@duckdb/node-api';
import { identityHash64 } from '../src/lib/hash.js';
import { MAX_DIMENSIONS } from '../src/meter/meter-definition.js';
import { COMPACTED_ORDER } from '../src/store/embedded/compaction-policy.js';
import { MIGRATIONS } from '../src/store/embedded/schema.js';
import { subjectBucket } from '../src/store/embedded/subject-bucket.js';
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

export class RawDuckDb implements RawEngine {
  readonly name = 'DuckDB';

  private constructor(
    private readonly dir: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** `settings`: extra statements (e.g. `SET checkpoint_threshold = ...`) for probes. */
  static async open(dir: string, settings: string[] = []): Promise<RawDuckDb> {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    // Same settings as the server's store defaults (TALLY_DUCKDB_THREADS, TALLY_DUCKDB_MEMORY_LIMIT).
    const instance = await DuckDBInstance.create(join(dir, 'raw.duckdb'), {
      threads: '2',
      memory_limit: '1GB',
    });
    const conn = await instance.connect();
    for (const sql of [...settings, ...MIGRATIONS]) await conn.run(sql);
    return new RawDuckDb(dir, instance, conn);
  }

  /**
   * Appends events [0, d.n) through one reused chunk per table (at most 1000 events per chunk, the
   * chunk limit being 2048 rows), committing every `commitEvery` events.
   */
  async ingest(d: Dataset, tag: string, commitEvery: number): Promise<void> {
    const batch = Math.min(1000, commitEvery);
    const ev: DuckDBAppender = await this.conn.createAppender('events_hot');
    const mr: DuckDBAppender = await this.conn.createAppender('meter_rows_hot');
    const evChunk = DuckDBDataChunk.create([
      VARCHAR,
      UBIGINT,
      VARCHAR,
      VARCHAR,
      VARCHAR,
      VARCHAR,
      BIGINT,
      BIGINT,
      VARCHAR,
    ]);
    const dimTypes = Array.from({ length: MAX_DIMENSIONS }, () => VARCHAR);
    const mrChunk = DuckDBDataChunk.create([
      VARCHAR,
      VARCHAR,
      BIGINT,
      VARCHAR,
      DOUBLE,
      VARCHAR,
      ...dimTypes,
      USMALLINT,
    ]);
    const bucketCol = 6 + MAX_DIMENSIONS;
    const now = BigInt(Date.now());
    for (let from = 0; from < d.n; from += batch) {
      const to = Math.min(d.n, from + batch);
      const m = to - from;
      const ids: string[] = [];
      const subjects: string[] = [];
      const hashes: bigint[] = [];
      const times: bigint[] = [];
      const datas: string[] = [];
      for (let i = from; i < to; i++) {
        const id = eventId(tag, i);
        ids.push(id);
        subjects.push(subjectName(d.subject[i] ?? 0));
        hashes.push(identityHash64(ACCOUNT, SOURCE, id));
        times.push(BigInt(d.time[i] ?? 0));
        datas.push(dataJson(d, i));
      }
      evChunk.reset();
      evChunk.rowCount = m;
      evChunk.setColumns([
        Array<DuckDBValue>(m).fill(ACCOUNT),
        hashes,
        ids,
        Array<DuckDBValue>(m).fill(SOURCE),
        Array<DuckDBValue>(m).fill(EVENT_TYPE),
        subjects,
        times,
        Array<DuckDBValue>(m).fill(now),
        datas,
      ]);
      // Two meter rows per event: the SUM meter with four dimensions, the UNIQUE_COUNT with one.
      const cols: DuckDBValue[][] = Array.from({ length: 7 + MAX_DIMENSIONS }, () => []);
      for (let i = from; i < to; i++) {
        const s = subjects[i - from] ?? '';
        const t = times[i - from] ?? 0n;
        const env = ENVS[d.env[i] ?? 0] ?? '';
        const row1 = [
          TOKENS,
          ACCOUNT,
          t,
          s,
          d.tokens[i] ?? 0,
          null,
          MODELS[d.model[i] ?? 0] ?? '',
          REGIONS[d.region[i] ?? 0] ?? '',
          projectName(d.subject[i] ?? 0, d.project[i] ?? 0),
          env,
        ];
        const row2 = [USERS, ACCOUNT, t, s, null, userName(d.user[i] ?? 0), env];
        const bucket = subjectBucket(s);
        for (let c = 0; c < cols.length; c++) {
          cols[c]?.push(c === bucketCol ? bucket : (row1[c] ?? null));
        }
        for (let c = 0; c < cols.length; c++) {
          cols[c]?.push(c === bucketCol ? bucket : (row2[c] ?? null));
        }
      }
      mrChunk.reset();
      mrChunk.rowCount = 2 * m;
      mrChunk.setColumns(cols);
      if (from % commitEvery === 0) await this.conn.run('BEGIN TRANSACTION');
      ev.appendDataChunk(evChunk);
      mr.appendDataChunk(mrChunk);
      if (to % commitEvery === 0 || to === d.n) {
        ev.flushSync();
        mr.flushSync();
        await this.conn.run('COMMIT');
      }
    }
    ev.closeSync();
    mr.closeSync();
  }

  private async rows(sql: string): Promise<unknown[][]> {
    return (await this.conn.runAndReadAll(sql)).getRows() as unknown[][];
  }

  /** The layout the server's store reaches once idle: each month's rows sorted by subject bucket. */
  async settle(): Promise<void> {
    for (let m = 0; m < 12; m++) {
      const range = `time >= ${Date.UTC(2025, m, 1)} AND time < ${Date.UTC(2025, m + 1, 1)}`;
      await this.conn.run('BEGIN TRANSACTION');
      await this.conn.run(
        `CREATE TEMP TABLE chunk AS SELECT * FROM meter_rows_hot WHERE ${range} ORDER BY ${COMPACTED_ORDER}`,
      );
      await this.conn.run(`DELETE FROM meter_rows_hot WHERE ${range}`);
      await this.conn.run('INSERT INTO meter_rows_hot SELECT * FROM chunk');
      await this.conn.run('DROP TABLE chunk');
      await this.conn.run('COMMIT');
    }
  }

  async dashboard(c: DashboardCase): Promise<number> {
    const subject = subjectName(c.subject);
    const rows = await this.rows(
      `SELECT (time - ${c.from}) // ${HOUR_MS} AS w, g2 AS k, sum(value) AS s FROM meter_rows WHERE meter_id = '${TOKENS}' AND account_id = '${ACCOUNT}' AND sb = ${subjectBucket(subject)} AND subject = '${subject}' AND time >= ${c.from} AND time < ${c.to} GROUP BY ALL`,
    );
    return rows.reduce((a, r) => a + Number(r[2]), 0);
  }

  /** Integer day buckets in SQL, calendar months applied to the 365 buckets (the design rule). */
  async monthlySum(): Promise<number[]> {
    const rows = await this.rows(
      `SELECT (time - ${YEAR_START}) // ${DAY_MS} AS d, sum(value) AS s FROM meter_rows WHERE meter_id = '${TOKENS}' AND account_id = '${ACCOUNT}' AND time >= ${YEAR_START} AND time < ${YEAR_END} GROUP BY d`,
    );
    const month = monthOfDay();
    const out = new Array<number>(12).fill(0);
    for (const r of rows) {
      const m = month[Number(r[0])] ?? 0;
      out[m] = (out[m] ?? 0) + Number(r[1]);
    }
    return out;
  }

  /** First-seen day per user and month, counted per day, accumulated within each month. */
  async monthlyActive(): Promise<number[]> {
    const month = Array.from(monthOfDay()).join(',');
    const rows = await this.rows(
      `SELECT fd, count(*) FROM (SELECT ([${month}])[d + 1] AS m, value_text, min(d) AS fd FROM (SELECT (time - ${YEAR_START}) // ${DAY_MS} AS d, value_text FROM meter_rows WHERE meter_id = '${USERS}' AND account_id = '${ACCOUNT}' AND time >= ${YEAR_START} AND time < ${YEAR_END}) GROUP BY m, value_text) GROUP BY fd`,
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
    await this.conn.run('CHECKPOINT');
    let bytes = 0;
    for (const f of ['raw.duckdb', 'raw.duckdb.wal']) {
      try {
        bytes += statSync(join(this.dir, f)).size;
      } catch {
        // No WAL right after a checkpoint.
      }
    }
    return bytes;
  }

  async close(): Promise<void> {
    this.conn.closeSync();
    this.instance.closeSync();
  }
}
