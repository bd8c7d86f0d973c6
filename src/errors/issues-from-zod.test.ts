import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ValidationError } from './domain-errors.js';
import { issuesFromZod, validationErrorFromZod } from './issues-from-zod.js';

const schema = z.object({ events: z.array(z.object({ time: z.string() })), n: z.number() });

describe('issuesFromZod', () => {
  it('dots the path of every zod issue and keeps its message', () => {
    const r = schema.safeParse({ events: [{ time: 'x' }, { time: 3 }], n: 'one' });
    expect(r.success).toBe(false);
    if (r.success) return;
    const issues = issuesFromZod(r.error.issues);
    expect(issues.map((i) => i.path).sort()).toEqual(['events.1.time', 'n']);
    expect(issues.map((i) => i.message)).toEqual(r.error.issues.map((i) => i.message));
  });

  it('prefixes the path, and an issue on the whole value gets the prefix alone', () => {
    expect(issuesFromZod([{ path: [], message: 'bad' }], ['filters'])).toEqual([
      { path: 'filters', message: 'bad' },
    ]);
    expect(issuesFromZod([{ path: ['a', 0], message: 'bad' }], ['filters'])).toEqual([
      { path: 'filters.a.0', message: 'bad' },
    ]);
  });

  it('builds the ValidationError the API maps to 400', () => {
    const err = validationErrorFromZod([{ path: ['to'], message: 'must be an instant' }]);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.issues).toEqual([{ path: 'to', message: 'must be an instant' }]);
    expect(err.message).toBe('to: must be an instant');
  });
});
