import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN_FILE, resolveAdminToken } from './admin-token.js';

const freshDir = () => join(mkdtempSync(join(tmpdir(), 'tally-admin-token-')), 'data');

describe('resolveAdminToken', () => {
  it('makes a token once, owner-only, and returns the same one at the next start', () => {
    const dir = freshDir();
    const first = resolveAdminToken(dir, undefined);
    expect(first.source).toBe('created');
    const file = join(dir, ADMIN_TOKEN_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.token);
    const second = resolveAdminToken(dir, undefined);
    expect(second).toEqual({ token: first.token, source: 'file', file });
  });

  it('uses TALLY_ADMIN_TOKEN as given and writes nothing', () => {
    const dir = freshDir();
    expect(resolveAdminToken(dir, 'x'.repeat(20))).toEqual({
      token: 'x'.repeat(20),
      source: 'env',
    });
    expect(() => statSync(join(dir, ADMIN_TOKEN_FILE))).toThrow();
  });

  it('warns about a token file others can read, and refuses one too short to be a token', () => {
    const dir = freshDir();
    resolveAdminToken(dir, undefined);
    const file = join(dir, ADMIN_TOKEN_FILE);
    writeFileSync(file, 'adm_long_enough_token\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(resolveAdminToken(dir, undefined).warning).toMatch(/readable by others/);
    writeFileSync(file, 'short\n');
    expect(() => resolveAdminToken(dir, undefined)).toThrow(/16 characters/);
  });
});
