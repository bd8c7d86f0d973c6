// Headless Debian Chromium through playwright-core: flags keep it off the (closed) network;
// playwright gives every launch a new empty profile directory.
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** True when the suite can run; in CI a missing browser throws instead of skipping. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `${CHROMIUM_PATH} is missing: run scripts/install-chromium.sh (CI must not skip browser tests)`,
    );
  }
  console.warn(
    `skipping browser tests: ${CHROMIUM_PATH} missing (run scripts/install-chromium.sh)`,
  );
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
