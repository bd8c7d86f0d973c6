// Where the admin token comes from. Set in TALLY_ADMIN_TOKEN it is used as is; otherwise it is made
// once, kept in the data directory readable by its owner only, and shown once when made, so that a
// restart keeps working with the token printed at the first start.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

export interface AdminToken {
  token: string;
  /** env: TALLY_ADMIN_TOKEN; file: read from the data directory; created: made now (show it once). */
  source: 'env' | 'file' | 'created';
  /** The file that holds it (source file or created). */
  file?: string;
  /** Set when the file is readable by others than its owner. */
  warning?: string;
}

export function resolveAdminToken(dataDir: string, fromEnv: string | undefined): AdminToken {
  if (fromEnv) return { token: fromEnv, source: 'env' };
  const file = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = readToken(file);
  if (existing !== undefined) {
    const mode = statSync(file).mode & 0o777;
    return {
      token: existing,
      source: 'file',
      file,
      ...(mode & 0o077
        ? { warning: `${file} is readable by others (mode ${mode.toString(8)}): chmod 600 it` }
        : {}),
    };
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `adm_${randomBytes(24).toString('base64url')}`;
  try {
    // 'wx': of two processes starting on one directory, the second reads the first one's token.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    const raced = readToken(file);
    if (raced === undefined) throw err;
    return { token: raced, source: 'file', file };
  }
  return { token, source: 'created', file };
}

function readToken(file: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const token = text.trim();
  if (token.length < 16) throw new Error(`${file} holds no admin token of 16 characters or more`);
  return token;
}
