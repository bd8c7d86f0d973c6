import { describe, expect, it } from 'vitest';
import { ReadGate } from './read-gate.js';

describe('ReadGate', () => {
  it('deletes retired files at once when no read runs', () => {
    const removed: string[] = [];
    const gate = new ReadGate((p) => removed.push(p));
    gate.retire(['a', 'b']);
    expect(removed).toEqual(['a', 'b']);
    expect(gate.waiting()).toEqual([]);
  });

  it('keeps retired files until every read that entered before the retirement left', () => {
    const removed: string[] = [];
    const gate = new ReadGate((p) => removed.push(p));
    const early = gate.enter();
    const early2 = gate.enter();
    gate.retire(['old1']);
    const late = gate.enter(); // sees the new files only
    gate.retire(['old2']);
    expect(removed).toEqual([]);
    early();
    expect(removed).toEqual([]);
    early2();
    expect(removed).toEqual(['old1']);
    early2(); // leaving twice counts once
    expect(gate.waiting()).toEqual(['old2']);
    late();
    expect(removed).toEqual(['old1', 'old2']);
  });

  it('leaves when the read fails', async () => {
    const removed: string[] = [];
    const gate = new ReadGate((p) => removed.push(p));
    let fail: (e: Error) => void = () => undefined;
    const read = gate.read(() => new Promise<never>((_, reject) => (fail = reject)));
    gate.retire(['x']);
    expect(removed).toEqual([]);
    fail(new Error('boom'));
    await expect(read).rejects.toThrow('boom');
    expect(removed).toEqual(['x']);
  });
});
