// ZooKeeper's Stat with its 64-bit fields as bigints: node-zookeeper-client hands them over as
// 8-byte buffers, and a zxid or session id does not fit in a JS number.
import type { Stat } from 'node-zookeeper-client';

export interface ZkStat {
  /** The zxid of the transaction that created the node: strictly increasing across the ensemble. */
  czxid: bigint;
  /** The zxid of the last change of the node's data. */
  mzxid: bigint;
  /** The zxid of the last change of the node's children. */
  pzxid: bigint;
  /** Data version: 0 at creation, +1 per setData. A re-created node starts at 0 again. */
  version: number;
  /** Children version: +1 per child created or deleted. */
  cversion: number;
  /** The session that owns an ephemeral node; 0n for a persistent one. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
}

/**
 * Unsigned, like the hex ids ZooKeeper logs. Session ids carry the server id in their top byte, so
 * a signed read could turn one negative; czxid never is, so both readings agree for it.
 */
export function longOf(buffer: Buffer): bigint {
  return buffer.readBigUInt64BE(0);
}

export function toZkStat(stat: Stat): ZkStat {
  return {
    czxid: longOf(stat.czxid),
    mzxid: longOf(stat.mzxid),
    pzxid: longOf(stat.pzxid),
    version: stat.version,
    cversion: stat.cversion,
    ephemeralOwner: longOf(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
  };
}
