import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);

/** Environment configuration, validated once at start; every problem is reported at once. */
export const ConfigSchema = z
  .object({
    PORT: port.default(8787),
    HOST: z.string().default('0.0.0.0'),
    TALLY_DATA_DIR: z.string().min(1).default('./data'),
    TALLY_STORE: z.enum(['embedded', 'clickhouse']).default('embedded'),
    TALLY_CLICKHOUSE_URL: z.url().optional(),
    TALLY_CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .default('tally'),
    TALLY_CLICKHOUSE_CLUSTER: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/)
      .optional(),
    // 'coordinated' when several Tally processes write to one replicated ClickHouse cluster: each
    // account is written by the owner of its slot in ZooKeeper (docs/clickhouse.md).
    TALLY_CLICKHOUSE_WRITERS: z.enum(['single', 'coordinated']).default('single'),
    TALLY_ZOOKEEPER: z.string().min(1).optional(),
    TALLY_ZOOKEEPER_SESSION_TIMEOUT_MS: z.coerce.number().int().min(2000).max(60_000).optional(),
    TALLY_ADVERTISE_URL: z.url().optional(),
    TALLY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
    TALLY_DEMO_SECRET_KEY: z.string().min(1).optional(),
    TALLY_METERS_FILE: z.string().optional(),
    TALLY_LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    TALLY_RATE_LIMIT_RPS: z.coerce.number().positive().default(2000),
    TALLY_RATE_LIMIT_BURST: z.coerce.number().positive().default(4000),
    TALLY_MAX_BODY_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(16 * 1024 * 1024),
    TALLY_MAX_INFLIGHT_EVENTS: z.coerce.number().int().positive().default(200_000),
    TALLY_DUCKDB_THREADS: z.coerce.number().int().positive().default(2),
    TALLY_DUCKDB_MEMORY_LIMIT: z.string().default('512MB'),
    /** Memory bound of the embedded dedupe cache (identities of recent days of event time). */
    /** The embedded store's 15-minute rollup of numeric meters (off: none written or read). */
    TALLY_ROLLUPS: z.enum(['on', 'off']).default('on'),
    // Rows of one meter and subject in one UTC day that make the rollup keep that subject's own
    // 15-minute rows (src/store/embedded/rollup/subject-schema.ts).
    TALLY_ROLLUP_SUBJECT_MIN_DAY_ROWS: z.coerce.number().int().positive().default(2_000),
    TALLY_DEDUPE_MEMORY_MB: z.coerce.number().int().min(1).max(65_536).default(64),
    TALLY_DUCKDB_CHECKPOINT_THRESHOLD: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)$/i, 'must be a size such as 256MB')
      .default('256MB'),
    TALLY_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    // What the embedded store does at start when ingest log damage may have cost acknowledged
    // events DuckDB lacks: refuse to start, or fold every intact record and quarantine the segment.
    TALLY_INGEST_LOG_ON_DAMAGE: z.enum(['refuse', 'skip']).default('refuse'),
    // Most cells (windows x groups, and result rows) one usage query may hold (src/query/cost.ts).
    TALLY_QUERY_MAX_CELLS: z.coerce.number().int().positive().default(250_000),
    // Connection limits (src/http-limits.ts). Unset: half the process's open-file limit, at most 4096.
    TALLY_MAX_CONNECTIONS: z.coerce.number().int().positive().optional(),
    TALLY_HEADERS_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    TALLY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(120_000),
    TALLY_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().positive().default(5_000),
    // Usage alerts (docs/alerts.md): the periodic evaluation of every rule, the debounce after an
    // acknowledged ingest, and webhook retries (exponential from the base, up to the max delay).
    TALLY_ALERT_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
    TALLY_ALERT_DEBOUNCE_MS: z.coerce.number().int().min(0).default(200),
    TALLY_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).default(10_000),
    TALLY_WEBHOOK_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(1).default(3_600_000),
    TALLY_WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
    TALLY_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    TALLY_WEBHOOK_RETENTION_DAYS: z.coerce.number().int().positive().default(30),
  })
  .superRefine((c, ctx) => {
    if (c.TALLY_STORE === 'clickhouse' && !c.TALLY_CLICKHOUSE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['TALLY_CLICKHOUSE_URL'],
        message: 'is required when TALLY_STORE=clickhouse',
      });
    }
    if (c.TALLY_HEADERS_TIMEOUT_MS > c.TALLY_REQUEST_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['TALLY_HEADERS_TIMEOUT_MS'],
        message: 'must not exceed TALLY_REQUEST_TIMEOUT_MS (the headers are part of the request)',
      });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = ConfigSchema.safeParse(clean);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || 'config'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
