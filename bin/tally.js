#!/usr/bin/env node
// The `tally` command. In a git checkout (src/ present) it runs the TypeScript sources through tsx,
// so there is no build step to forget and no stale build can answer; the release package ships
// only the compiled JavaScript in dist/ (`npm run build`), and runs it with plain Node.
import { existsSync } from 'node:fs';

const sources = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/cli/main.js');
}
