// A full run keeps 2.6 GB of typed arrays (outside the V8 heap) plus rendered request bodies and
// raw-engine rows on the heap; V8's default limit (about 4 GB here) leaves too little margin, so a
// large run re-executes itself once with a larger heap.
import { spawnSync } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';

const LARGE_RUN = 10_000_000;
const HEAP_MB = 8192;

/** Returns in the process that does the work; the first process exits with the re-run's status. */
export function ensureHeap(events: number): void {
  if (events <= LARGE_RUN || process.env.BENCH_HEAP_REEXEC === '1') return;
  if (getHeapStatistics().heap_size_limit >= HEAP_MB * 0.95 * 2 ** 20) return;
  const r = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${HEAP_MB}`, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, BENCH_HEAP_REEXEC: '1' } },
  );
  process.exit(r.status ?? 1);
}

/** The bench process's own memory, for progress lines. */
export function benchMemory(): string {
  const m = process.memoryUsage();
  const mb = (b: number): string => `${Math.round(b / 1e6)} MB`;
  return `bench process RSS ${mb(m.rss)}, heap ${mb(m.heapUsed)} of ${mb(getHeapStatistics().heap_size_limit)}, array buffers ${mb(m.arrayBuffers)}`;
}
