// The Events page's form as v2 event-list parameters: the filter JSON of the contract, exactly.
import { describe, expect, it } from 'vitest';
import {
  EMPTY_FILTER_FORM,
  eventListParams,
  formProblem,
  localToInstant,
} from '../src/events-filter';

describe('event list parameters', () => {
  it('sends no filter for an empty form', () => {
    const p = eventListParams(EMPTY_FILTER_FORM, { limit: 25 });
    expect([...p]).toEqual([['limit', '25']]);
  });

  it('matches text fields exactly, bounds the event time and asks for problems', () => {
    const p = eventListParams(
      {
        subject: ' customer-1 ',
        type: 'prompt',
        source: 'svc',
        id: 'e%1',
        from: '2025-01-01T00:00:00Z',
        to: '2025-01-02T00:00:00Z',
        onlyProblems: true,
      },
      { limit: 10, cursor: 'abc' },
    );
    expect(JSON.parse(p.get('filter') ?? '')).toEqual({
      id: { $eq: 'e%1' },
      source: { $eq: 'svc' },
      subject: { $eq: 'customer-1' },
      type: { $eq: 'prompt' },
      time: { $gte: '2025-01-01T00:00:00Z', $lt: '2025-01-02T00:00:00Z' },
    });
    expect(p.get('hasProblems')).toBe('true');
    expect(p.get('cursor')).toBe('abc');
    expect(p.get('limit')).toBe('10');
  });

  it('narrows the live tail to events ingested after the newest shown', () => {
    const p = eventListParams(
      { ...EMPTY_FILTER_FORM, subject: 'a' },
      { limit: 100, ingestedAfter: '2025-01-01T00:00:01.000Z' },
    );
    expect(JSON.parse(p.get('filter') ?? '')).toEqual({
      subject: { $eq: 'a' },
      ingestedAt: { $gt: '2025-01-01T00:00:01.000Z' },
    });
    expect(p.has('hasProblems')).toBe(false);
  });

  it('reads wall times and refuses an empty or reversed range', () => {
    expect(localToInstant('')).toBe('');
    expect(localToInstant('2025-13-45T99:00')).toBeNull();
    const from = localToInstant('2025-03-01T10:00') ?? '';
    expect(Date.parse(from)).toBe(new Date(2025, 2, 1, 10, 0).getTime());
    const form = { ...EMPTY_FILTER_FORM, from, to: from };
    expect(formProblem(form)).not.toBe('');
    expect(formProblem({ ...form, to: '' })).toBe('');
  });
});
