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
    TALLY_DUCKDB_MEMORY_LIMIT: z.string().default('1GB'),
    TALLY_DUCKDB_CHECKPOINT_THRESHOLD: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)$/i, 'must be a size such as 256MB')
      .default('256MB'),
    TALLY_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  })
  .superRefine((c, ctx) => {
    if (c.TALLY_STORE === 'clickhouse' && !c.TALLY_CLICKHOUSE_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['TALLY_CLICKHOUSE_URL'],
        message: 'is required when TALLY_STORE=clickhouse',
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
