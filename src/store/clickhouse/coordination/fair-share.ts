// How many slots each live member should hold. The brief's bound is ceil(slots / members); taking
// ceil for every member could leave one member short (16 over 3: 6, 6, 4). Here the first
// `slots % members` members in sorted id order take the ceiling and the others the floor, so the
// targets add up to exactly `slots` (6, 5, 5) and no member exceeds the ceiling.
//
// Every member computes the same targets from the same member list, with no clock involved; while
// views differ (a join or leave still propagating) a member may briefly release or grab too much,
// and converges once the watches have delivered the same list to everyone.

/** The number of slots `memberId` should hold; 0 when it is not among `members`. */
export function targetShare(slots: number, members: readonly string[], memberId: string): number {
  const sorted = [...new Set(members)].sort();
  const rank = sorted.indexOf(memberId);
  if (rank < 0) return 0;
  const floor = Math.floor(slots / sorted.length);
  return rank < slots % sorted.length ? floor + 1 : floor;
}
