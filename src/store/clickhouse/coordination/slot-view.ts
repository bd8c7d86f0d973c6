// One read of the live members and of who holds which slot, arming the watches that report the
// next change. Slot nodes are never rewritten (a new holder creates a new node), so the child
// watches on members/ and slots/ see every change there is.
import type { SlotPaths } from './slot-paths.js';
import { ZkError } from './zk-error.js';
import type { ZkSession, ZkWatcher } from './zk-session.js';

export interface SlotHolder {
  memberId: string;
  url: string;
  /** The slot node's czxid: a later holder of the slot always has a larger one. */
  epoch: bigint;
  /** The session the slot node belongs to. */
  session: bigint;
  /** The fence version the holder set when it created the node (see SlotOwnership). */
  fence: number;
}

export interface SlotView {
  members: string[];
  /** Every slot that has a node, readable or not: none of them is free. */
  taken: Set<number>;
  holders: Map<number, SlotHolder>;
}

export interface SlotNodeData {
  memberId: string;
  url: string;
  fence: number;
}

export function encodeSlotNode(data: SlotNodeData): Buffer {
  return Buffer.from(JSON.stringify(data));
}

function decodeSlotNode(data: Buffer): SlotNodeData | undefined {
  try {
    const parsed: unknown = JSON.parse(data.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { memberId, url, fence } = parsed as Record<string, unknown>;
    if (typeof memberId !== 'string' || typeof url !== 'string' || typeof fence !== 'number') {
      return undefined;
    }
    return { memberId, url, fence };
  } catch {
    return undefined;
  }
}

export async function readSlotView(
  session: ZkSession,
  paths: SlotPaths,
  slots: number,
  watch: ZkWatcher,
): Promise<SlotView> {
  const members = await session.getChildren(paths.members, watch);
  const names = await session.getChildren(paths.slots, watch);
  const taken = new Set<number>();
  for (const name of names) {
    const slot = Number(name);
    if (Number.isInteger(slot) && slot >= 0 && slot < slots && String(slot) === name) {
      taken.add(slot);
    }
  }
  const holders = new Map<number, SlotHolder>();
  await Promise.all(
    [...taken].map(async (slot) => {
      try {
        const { data, stat } = await session.getData(paths.slot(slot));
        const decoded = decodeSlotNode(data);
        if (decoded)
          holders.set(slot, { ...decoded, epoch: stat.czxid, session: stat.ephemeralOwner });
      } catch (error) {
        // Deleted since the listing: the slots/ watch has fired and a new read follows.
        if (!(error instanceof ZkError && error.code === 'NO_NODE')) throw error;
      }
    }),
  );
  return { members: members.sort(), taken, holders };
}
