import { gunzipSync } from 'node:zlib';
import { ValidationError } from '../errors/domain-errors.js';
import type { Candidate } from './ingest-service.js';

export const INGEST_CONTENT_TYPES = [
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/json',
  'application/x-ndjson',
] as const;

/** A body over the size limit once decompressed: a small gzip body must not inflate without
 * bound into the server's memory. The HTTP layer answers 413. */
export class BodyTooLargeError extends Error {}

/**
 * Splits a request body into candidate events. JSON bodies are one event or an array; NDJSON is
 * one event per line, and a line that does not parse is reported alone, keeping the other lines.
 */
export function parseIngestBody(
  body: Buffer,
  contentType: string,
  encoding?: string,
  maxBytes = Number.POSITIVE_INFINITY,
): Candidate[] {
  let bytes = body;
  if (encoding && /gzip/i.test(encoding)) {
    try {
      bytes = gunzipSync(body, Number.isFinite(maxBytes) ? { maxOutputLength: maxBytes } : {});
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new BodyTooLargeError(`the body inflates to more than ${maxBytes} bytes`);
      }
      throw new ValidationError([
        { path: 'body', message: 'Content-Encoding is gzip but the body is not valid gzip' },
      ]);
    }
  } else if (encoding && !/^identity$/i.test(encoding)) {
    throw new ValidationError([
      { path: 'Content-Encoding', message: `unsupported encoding "${encoding}" (use gzip)` },
    ]);
  }
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  const text = bytes.toString('utf8');
  if (type === 'application/x-ndjson' || type === 'application/jsonl') {
    const out: Candidate[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        out.push({ value: JSON.parse(line), json: true });
      } catch (e) {
        out.push({ error: `line is not valid JSON: ${(e as Error).message}` });
      }
    }
    return out;
  }
  if (!(INGEST_CONTENT_TYPES as readonly string[]).includes(type)) {
    throw new ValidationError([
      { path: 'Content-Type', message: `must be one of ${INGEST_CONTENT_TYPES.join(', ')}` },
    ]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ValidationError([
      { path: 'body', message: `not valid JSON: ${(e as Error).message}` },
    ]);
  }
  if (type === 'application/cloudevents-batch+json' && !Array.isArray(value)) {
    throw new ValidationError([
      { path: 'body', message: 'a cloudevents batch must be a JSON array' },
    ]);
  }
  if (type === 'application/cloudevents+json' && Array.isArray(value)) {
    throw new ValidationError([
      {
        path: 'body',
        message:
          'application/cloudevents+json carries one event; use application/cloudevents-batch+json for arrays',
      },
    ]);
  }
  return (Array.isArray(value) ? value : [value]).map((v) => ({ value: v, json: true }));
}
