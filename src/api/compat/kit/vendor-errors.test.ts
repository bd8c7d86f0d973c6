// How domain errors become a vendor error: statuses, messages, issue lines and parameter names.

import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  NotFoundError,
  QueryTooExpensiveError,
  ValidationError,
} from '../../../errors/domain-errors.js';
import { QueryParamsError } from './request-errors.js';
import { type VendorErrors, vendorError, vendorIssueLine } from './vendor-errors.js';

const NAMES = { from: 'from_date', to: 'to_date' };
const spec: VendorErrors<422> = { body: (e) => e, queryParamsStatus: 422, paramNames: NAMES };

describe('vendorIssueLine', () => {
  it('renames every native parameter in a sentence about its own field', () => {
    expect(vendorIssueLine({ path: 'from', message: 'from must be before to' }, NAMES)).toBe(
      'from_date must be before to_date',
    );
  });

  it('renames the path of any other issue, and leaves unnamed paths alone', () => {
    expect(vendorIssueLine({ path: 'to', message: 'must be an instant' }, NAMES)).toBe(
      'to_date: must be an instant',
    );
    expect(vendorIssueLine({ path: 'groupBy', message: 'unknown' }, NAMES)).toBe(
      'groupBy: unknown',
    );
    expect(vendorIssueLine({ path: '', message: 'too many fields' }, NAMES)).toBe(
      'too many fields',
    );
  });

  it('renames whole words only', () => {
    const issue = { path: 'from', message: 'from must be before to, not towards from.x' };
    expect(vendorIssueLine(issue, NAMES)).toBe(
      'from_date must be before to_date, not towards from.x',
    );
  });
});

describe('vendorError', () => {
  it('maps each code to its compat status; conflict and plain errors are not mapped', () => {
    expect(vendorError(new NotFoundError('gone'), spec)?.error.status).toBe(404);
    expect(vendorError(new QueryTooExpensiveError('big'), spec)?.error.status).toBe(400);
    expect(vendorError(new ConflictError('taken'), spec)).toBeUndefined();
    expect(vendorError(new Error('bug'), spec)).toBeUndefined();
  });

  it('gives a schema failure the vendor status and its parameters; other validation 400', () => {
    const params = vendorError(
      new QueryParamsError([{ path: ['fields', 0], message: 'bad name', code: 'custom' }]),
      spec,
    );
    expect(params?.error).toEqual({
      status: 422,
      message: 'fields.0: bad name',
      lines: ['fields.0: bad name'],
      params: [{ path: ['fields', '0'], message: 'bad name', code: 'custom' }],
    });
    const planner = vendorError(
      new ValidationError([
        { path: 'from', message: 'from must be before to' },
        { path: 'to', message: 'must be an instant between years 0000 and 9999' },
      ]),
      spec,
    );
    expect(planner?.error).toEqual({
      status: 400,
      message:
        'from_date must be before to_date; to_date: must be an instant between years 0000 and 9999',
      lines: [
        'from_date must be before to_date',
        'to_date: must be an instant between years 0000 and 9999',
      ],
    });
  });

  it('maps an error by its code, so a double from another module maps the same', () => {
    const double = Object.assign(new Error('busy'), { code: 'rate_limited', retryAfterSeconds: 3 });
    expect(vendorError(double, spec)).toEqual({
      error: { status: 429, message: 'busy', lines: ['busy'] },
      retryAfter: 3,
    });
  });
});
