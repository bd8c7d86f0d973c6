// Writes docs/openapi.json and docs/api.md from the route schemas (the one source of truth).
// With --check it fails when the committed files differ from what the code generates.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OPENAPI_INFO } from '../src/api/http.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { renderApiMarkdown } from './render-api-markdown.js';

const check = process.argv.includes('--check');
const app = await createApp(
  loadConfig({
    TALLY_DATA_DIR: mkdtempSync(join(tmpdir(), 'tally-openapi-')),
    TALLY_LOG_LEVEL: 'silent',
  }),
);
const doc = app.http.getOpenAPI31Document(OPENAPI_INFO);
await app.close();

const outputs: [string, string][] = [
  ['docs/openapi.json', `${JSON.stringify(doc, null, 2)}\n`],
  ['docs/api.md', renderApiMarkdown(doc)],
];
let drift = false;
for (const [path, text] of outputs) {
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // Missing counts as drift.
    }
    if (current !== text) {
      console.error(`${path} is out of date: run \`npm run openapi\` and commit the result`);
      drift = true;
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
if (drift) process.exit(1);
