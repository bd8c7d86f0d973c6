// Intents: persistent records of work a slot holder has started ("these events are being written"),
// so that whoever holds the slot next can finish or undo it. Creating one is fenced: it happens in
// the same ZooKeeper transaction as two checks that prove the creator still holds the slot.
//
// Why a fence node and not just check(slots/<n>, version): a slot node is created afresh by every
// holder, so its data version is 0 whoever created it, and a version check cannot tell the old
// holder's node from the new one's. fences/<n> is persistent and every acquisition bumps its
// version in the transaction that creates the slot node, so "fences/<n> still has the version I
// set" means "nobody acquired the slot after me", and "slots/<n> exists" then means it is mine.
import { IntentTooLargeError, SlotNotHeldError } from './slot-errors.js';
import type { SlotPaths } from './slot-paths.js';
import { ZkError } from './zk-error.js';
import type { ZkSession } from './zk-session.js';

/**
 * ZooKeeper refuses a request above jute.maxbuffer (1 MB by default, 0xfffff bytes); the rest of a
 * create request (path, ACL, the two checks) stays far below the 124 KB left over.
 */
export const MAX_INTENT_BYTES = 900 * 1024;

export interface Intent {
  path: string;
  payload: Buffer;
}

export async function createFencedIntent(
  session: ZkSession,
  paths: SlotPaths,
  slot: number,
  fence: number,
  payload: Buffer,
): Promise<string> {
  if (payload.length > MAX_INTENT_BYTES) {
    throw new IntentTooLargeError(payload.length, MAX_INTENT_BYTES);
  }
  try {
    const results = await session.multi([
      { type: 'check', path: paths.slot(slot), version: -1 },
      { type: 'check', path: paths.fence(slot), version: fence },
      {
        type: 'create',
        path: paths.intentPrefix(slot),
        data: payload,
        mode: 'persistent-sequential',
      },
    ]);
    const created = results[2];
    if (created?.type !== 'create') throw new ZkError('OTHER', 'multi returned no created path');
    return created.path;
  } catch (error) {
    if (!(error instanceof ZkError)) throw error;
    if (error.opIndex === 0 || error.opIndex === 1) {
      const why = error.opIndex === 0 ? 'its node is gone' : 'another member acquired it since';
      throw new SlotNotHeldError(slot, why, { cause: error });
    }
    if (error.code === 'SESSION_EXPIRED' || error.code === 'CLOSED') {
      throw new SlotNotHeldError(slot, `the ZooKeeper session is ${error.code}`, { cause: error });
    }
    // CONNECTION_LOSS: the intent may or may not exist now; the caller decides.
    throw error;
  }
}

/** Idempotent: an intent already deleted (by this member or the slot's next holder) is fine. */
export async function deleteIntentNode(session: ZkSession, path: string): Promise<void> {
  for (;;) {
    try {
      await session.remove(path);
      return;
    } catch (error) {
      if (error instanceof ZkError && error.code === 'NO_NODE') return;
      // Requests queue while disconnected, so this retry waits for the reconnect.
      if (error instanceof ZkError && error.code === 'CONNECTION_LOSS') continue;
      throw error;
    }
  }
}

/** The slot's intents in creation order (their sequence numbers). */
export async function listIntentNodes(
  session: ZkSession,
  paths: SlotPaths,
  slot: number,
): Promise<Intent[]> {
  const dir = paths.intentDir(slot);
  let names: string[];
  try {
    names = await session.getChildren(dir);
  } catch (error) {
    if (error instanceof ZkError && error.code === 'NO_NODE') return [];
    throw error;
  }
  // The sequence is a zero-padded 10-digit suffix; compare it as a number all the same.
  const sequence = (name: string) => Number(name.slice(name.lastIndexOf('-') + 1));
  names.sort((a, b) => sequence(a) - sequence(b));
  const read = await Promise.all(
    names.map(async (name): Promise<Intent | undefined> => {
      const path = `${dir}/${name}`;
      try {
        return { path, payload: (await session.getData(path)).data };
      } catch (error) {
        if (error instanceof ZkError && error.code === 'NO_NODE') return undefined;
        throw error;
      }
    }),
  );
  return read.filter((intent): intent is Intent => intent !== undefined);
}
