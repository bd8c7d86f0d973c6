import { describe, expect, it } from 'vitest';
import type { AlertRule } from '../contract/alerts.js';
import { decide } from './alert-decide.js';
import { alertWindow } from './alert-window.js';

const rule = (over: Partial<AlertRule> = {}): AlertRule => ({
  id: 'r1',
  name: 'r',
  meter: 'tokens',
  endpointId: 'e1',
  kind: 'period',
  per: 'subject',
  period: 'MONTH',
  timeZone: 'UTC',
  thresholds: [80, 100],
  limit: 1000,
  enabled: true,
  createdAt: '2025-01-01T00:00:00.000Z',
  updatedAt: '2025-01-01T00:00:00.000Z',
  ...over,
});
const MARCH = Date.UTC(2025, 2, 14, 9);
const APRIL = Date.UTC(2025, 3, 2, 9);

describe('decide', () => {
  it('fires each threshold once per period, percentages of the limit, and re-arms next period', () => {
    const r = rule();
    const w = alertWindow(r, MARCH);
    expect(w).toEqual({
      from: Date.UTC(2025, 2, 1),
      to: Date.UTC(2025, 3, 1),
      key: '2025-03-01T00:00:00.000Z',
    });
    const a = decide('acc', r, { subject: 'acme' }, undefined, 799, w, MARCH);
    expect(a.crossings).toEqual([]);
    const b = decide('acc', r, { subject: 'acme' }, a.state, 1000, w, MARCH);
    expect(b.crossings.map((c) => [c.threshold, c.thresholdValue])).toEqual([
      [80, 800],
      [100, 1000],
    ]);
    const again = decide('acc', r, { subject: 'acme' }, b.state, 5000, w, MARCH);
    expect(again.crossings).toEqual([]);
    expect(again.changed).toBe(false);
    const next = decide('acc', r, { subject: 'acme' }, b.state, 900, alertWindow(r, APRIL), APRIL);
    expect(next.crossings.map((c) => c.threshold)).toEqual([80]);
    expect(next.crossings[0]?.deliveryId).not.toBe(b.crossings[0]?.deliveryId);
    // The same crossing decided twice (a crash before the state was written) has one id.
    expect(
      decide('acc', r, { subject: 'acme' }, a.state, 1000, w, MARCH + 5).crossings[0]?.deliveryId,
    ).toBe(b.crossings[0]?.deliveryId);
  });

  it('re-arms a rolling threshold when the value falls below, with a new id for the next crossing', () => {
    const r = rule({ kind: 'rolling', windowMinutes: 60, thresholds: [10] });
    delete r.limit;
    delete r.period;
    const w = alertWindow(r, MARCH);
    expect(w.to - w.from).toBe(3_600_000);
    const up = decide('acc', r, { subject: 's' }, undefined, 10, w, MARCH);
    expect(up.crossings).toHaveLength(1);
    expect(decide('acc', r, { subject: 's' }, up.state, 12, w, MARCH).crossings).toEqual([]);
    const down = decide('acc', r, { subject: 's' }, up.state, 9, w, MARCH);
    expect(down.crossings).toEqual([]);
    expect(down.state.fired).toEqual({});
    const upAgain = decide('acc', r, { subject: 's' }, down.state, 11, w, MARCH);
    expect(upAgain.crossings).toHaveLength(1);
    expect(upAgain.crossings[0]?.deliveryId).not.toBe(up.crossings[0]?.deliveryId);
  });

  it('keys a customer apart from a subject of the same name', () => {
    const r = rule({ per: 'customer' });
    const w = alertWindow(r, MARCH);
    const c = decide('acc', r, { customerId: 'acme' }, undefined, 1000, w, MARCH);
    const s = decide('acc', r, { subject: 'acme' }, undefined, 1000, w, MARCH);
    expect(c.state).toMatchObject({ customerId: 'acme' });
    expect(c.state.subject).toBeUndefined();
    expect(c.crossings[0]?.deliveryId).not.toBe(s.crossings[0]?.deliveryId);
  });

  it('starts periods in the rule time zone', () => {
    const w = alertWindow(rule({ period: 'DAY', timeZone: 'Asia/Kolkata' }), MARCH);
    expect(new Date(w.from).toISOString()).toBe('2025-03-13T18:30:00.000Z');
    expect(w.to - w.from).toBe(86_400_000);
  });
});
