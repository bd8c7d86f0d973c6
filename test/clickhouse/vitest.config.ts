// Vitest configuration of the ClickHouse suites (the root config excludes test/clickhouse/):
//   npx vitest run --config test/clickhouse/vitest.config.ts
// Files run one at a time: they share three ClickHouse servers on a 2-core machine, and the
// two-process test measures dedupe under its own concurrency, not under the other files'.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// biome-ignore lint/style/noDefaultExport: vitest loads a config file's default export.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/clickhouse/**/*.test.ts'],
    // The fault tests' resend-until-landed loop can outlast a replica restart and a ZooKeeper
    // session expiry (docs/clickhouse.md, "Faults tested").
    testTimeout: 300_000,
    hookTimeout: 420_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
