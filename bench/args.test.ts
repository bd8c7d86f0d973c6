import { describe, expect, it } from 'vitest';
import { parseBenchArgs, RAW_DURABLE_LIMIT } from './args.js';

describe('parseBenchArgs', () => {
  it('samples memory at 10, 50 and 100 M events at full scale', () => {
    const o = parseBenchArgs(['--scale', 'full']);
    expect(o.events).toBe(100_000_000);
    expect(o.scale).toBe('full');
    expect(o.checkpoints).toEqual([o.events / 10, o.events / 2, o.events]);
  });

  it('commits per batch on the raw side for the first million only above the limit', () => {
    const full = parseBenchArgs(['--scale', 'full']);
    expect(full.events).toBeGreaterThan(RAW_DURABLE_LIMIT);
    expect(full.rawDurableEvents).toBe(1_000_000);
    const medium = parseBenchArgs(['--scale', 'medium']);
    expect(medium.events).toBeLessThanOrEqual(RAW_DURABLE_LIMIT);
    expect(medium.rawDurableEvents).toBe(medium.events);
  });

  it('keys a run by its named scale even when given as --events', () => {
    expect(parseBenchArgs(['--events', '1000000']).scale).toBe('quick');
    const other = parseBenchArgs(['--events', '300000']);
    expect(other.scale).toBe('custom');
    expect(other.checkpoints).toEqual([30_000, 150_000, 300_000]);
  });

  it('runs every phase unless told otherwise, and refuses unknown ones', () => {
    expect([...parseBenchArgs([]).phases].sort()).toEqual(['raw', 'restart', 'tally', 'typed']);
    expect([...parseBenchArgs(['--phases', 'typed,raw']).phases]).toEqual(['typed', 'raw']);
    expect(() => parseBenchArgs(['--phases', 'typed,nope'])).toThrow(/unknown phase/);
    expect(() => parseBenchArgs(['--phases', 'restart'])).toThrow(/needs tally/);
  });
});
