// Before the browser tests: build the dashboard once and make sure Debian's chromium is there.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));
export const CHROMIUM = '/usr/bin/chromium';

export function setup(): void {
  if (!existsSync(CHROMIUM)) {
    try {
      execFileSync('bash', ['scripts/install-chromium.sh'], { cwd: repo, stdio: 'inherit' });
    } catch (err) {
      // Outside CI a missing browser skips the suite (see browser.ts); in CI it is a failure.
      if (process.env.CI === 'true') throw err;
    }
  }
  execFileSync('npx', ['vite', 'build', 'web', '--logLevel', 'warn'], {
    cwd: repo,
    stdio: 'inherit',
  });
}
