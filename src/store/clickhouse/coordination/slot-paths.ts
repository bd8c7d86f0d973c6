// Where SlotOwnership keeps its nodes, so that tools and tests name them the same way.
//
//   /tally/<namespace>/members/<memberId>   ephemeral, {memberId, url}
//   /tally/<namespace>/slots/<n>            ephemeral, {memberId, url, fence}; czxid = the epoch
//   /tally/<namespace>/fences/<n>           persistent; its data version counts acquisitions
//   /tally/<namespace>/intents/<n>/i-<seq>  persistent-sequential, an intent's payload

export interface SlotPaths {
  root: string;
  members: string;
  slots: string;
  fences: string;
  intents: string;
  member(memberId: string): string;
  slot(slot: number): string;
  fence(slot: number): string;
  intentDir(slot: number): string;
  /** The path a sequential create appends the sequence number to. */
  intentPrefix(slot: number): string;
}

const NAME = /^[A-Za-z0-9._:-]+$/;

/** Refuses a name ZooKeeper would read as a path or that could collide with another level. */
export function checkNodeName(kind: string, name: string): void {
  if (!NAME.test(name) || name === '.' || name === '..') {
    throw new RangeError(
      `${kind} must match ${NAME} (not "." or ".."), got ${JSON.stringify(name)}`,
    );
  }
}

export function slotPaths(namespace: string): SlotPaths {
  checkNodeName('namespace', namespace);
  const root = `/tally/${namespace}`;
  return {
    root,
    members: `${root}/members`,
    slots: `${root}/slots`,
    fences: `${root}/fences`,
    intents: `${root}/intents`,
    member: (memberId) => `${root}/members/${memberId}`,
    slot: (slot) => `${root}/slots/${slot}`,
    fence: (slot) => `${root}/fences/${slot}`,
    intentDir: (slot) => `${root}/intents/${slot}`,
    intentPrefix: (slot) => `${root}/intents/${slot}/i-`,
  };
}
