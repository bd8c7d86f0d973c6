// The refusals of SlotOwnership's intent API, as types a caller can tell apart from a ZkError
// (which means ZooKeeper could not answer, not that it said no).

/**
 * createIntent refused: this member does not hold the slot any more (released, taken over after
 * its session expired, or the object is finished). Whatever the intent was for must not be done.
 */
export class SlotNotHeldError extends Error {
  override readonly name = 'SlotNotHeldError';
  constructor(
    readonly slot: number,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`slot ${slot} is not held by this member: ${reason}`, options);
  }
}

/** The payload would not fit in one ZooKeeper request (jute.maxbuffer, 1 MB by default). */
export class IntentTooLargeError extends Error {
  override readonly name = 'IntentTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`intent payload of ${bytes} bytes exceeds the ${limit}-byte limit`);
  }
}
