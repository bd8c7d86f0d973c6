import { createReadStream } from 'node:fs';
import type { ReadProgress, SourceItem } from './event-source.js';

/**
 * Reads NDJSON line by line from a stream: memory holds one chunk and one line, whatever the file
 * size. Each line is parsed only to check it and name the error; the text itself is what is sent.
 * Lines before `fromLine` are counted, not parsed. Blank lines are skipped but keep their number.
 */
export async function* readNdjson(
  path: string,
  fromLine: number,
  progress: ReadProgress,
): AsyncGenerator<SourceItem> {
  const stream = createReadStream(path, { encoding: 'utf8' });
  let line = 0;
  let rest = '';
  const item = (raw: string): SourceItem | undefined => {
    line += 1;
    if (line < fromLine) return undefined;
    const text = (line === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
    if (text === '') return undefined;
    try {
      JSON.parse(text);
      return { at: line, json: text };
    } catch (err) {
      return { at: line, error: `invalid JSON: ${(err as Error).message}` };
    }
  };
  for await (const chunk of stream as AsyncIterable<string>) {
    progress.bytes = stream.bytesRead;
    rest += chunk;
    let start = 0;
    for (let nl = rest.indexOf('\n'); nl !== -1; nl = rest.indexOf('\n', start)) {
      const it = item(rest.slice(start, nl));
      start = nl + 1;
      if (it) yield it;
    }
    rest = rest.slice(start);
  }
  if (rest !== '') {
    const it = item(rest);
    if (it) yield it;
  }
}
