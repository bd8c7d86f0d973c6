// Runs `node bin/tally.js ...` as a user would and returns its output and exit code.
import { execFile } from 'node:child_process';

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['bin/tally.js', ...args],
      { env: { ...process.env, TALLY_KEY: '', TALLY_ADMIN_TOKEN: '', ...env } },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ stdout, stderr, code: typeof code === 'number' ? code : 1 });
      },
    );
  });
}
