import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { classify, QUORUM_RESEND_TRIES, retryQuorumBusy } from './client.js';
import { StoreUnavailableError } from './unavailable.js';

/** An error as 18.16 words it over HTTP (the client does not parse its code). */
const refusal = (code: number) =>
  new Error(`Code: ${code}, e.displayText() = DB::Exception: refused for the test`);

/** A send that fails with each of `codes` in turn, then succeeds; it counts its calls. */
function sender(codes: number[]) {
  const calls = { n: 0 };
  const send = async () => {
    const code = codes[calls.n++];
    if (code !== undefined) throw refusal(code);
  };
  return { calls, send };
}

const QUORUM = { insert_quorum: 2 };

describe('resending a refused quorum insert', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Runs retryQuorumBusy to its end with the pauses skipped; answers its error, if any. */
  async function settle(settings: Record<string, number>, send: () => Promise<void>) {
    const done = retryQuorumBusy(settings, send).then(
      () => undefined,
      (err: Error) => err,
    );
    await vi.runAllTimersAsync();
    return done;
  }

  it('sends again while a replica lacks the newest quorum part (289) and while another quorum insert runs (286)', async () => {
    const { calls, send } = sender([289, 286, 289]);
    expect(await settle(QUORUM, send)).toBeUndefined();
    expect(calls.n).toBe(4);
  });

  it('gives up on a replica that stays behind, and the refusal becomes a 503', async () => {
    const tries = QUORUM_RESEND_TRIES['289'] ?? 0;
    const { calls, send } = sender(Array.from({ length: tries + 5 }, () => 289));
    const err = await settle(QUORUM, send);
    expect(calls.n).toBe(tries);
    expect(err?.message).toMatch(/^Code: 289/);
    expect(classify(err, 'INSERT INTO incoming')).toBeInstanceOf(StoreUnavailableError);
  });

  it('does not resend a refusal of another kind, nor an insert without a quorum', async () => {
    const tooFew = sender([285]);
    expect((await settle(QUORUM, tooFew.send))?.message).toMatch(/^Code: 285/);
    expect(tooFew.calls.n).toBe(1);
    const noQuorum = sender([289]);
    expect((await settle({}, noQuorum.send))?.message).toMatch(/^Code: 289/);
    expect(noQuorum.calls.n).toBe(1);
  });
});
