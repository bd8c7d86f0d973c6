// One error type for every ZooKeeper failure, so callers branch on a string `code` instead of on
// node-zookeeper-client's numeric Exception codes (and never on its message text).
import { Exception } from 'node-zookeeper-client';

export type ZkErrorCode =
  | 'NO_NODE'
  | 'NODE_EXISTS'
  | 'BAD_VERSION'
  | 'NOT_EMPTY'
  | 'NO_CHILDREN_FOR_EPHEMERALS'
  /** Terminal: the session is gone and every ephemeral node of it with it. Open a new session. */
  | 'SESSION_EXPIRED'
  /** The request may or may not have been applied: the connection broke while it was in flight. */
  | 'CONNECTION_LOSS'
  | 'OPERATION_TIMEOUT'
  /** The session was closed by its owner (close()); nothing more can be sent on it. */
  | 'CLOSED'
  | 'BAD_ARGUMENTS'
  | 'OTHER';

const BY_NUMBER = new Map<number, ZkErrorCode>([
  [Exception.NO_NODE, 'NO_NODE'],
  [Exception.NODE_EXISTS, 'NODE_EXISTS'],
  [Exception.BAD_VERSION, 'BAD_VERSION'],
  [Exception.NOT_EMPTY, 'NOT_EMPTY'],
  [Exception.NO_CHILDREN_FOR_EPHEMERALS, 'NO_CHILDREN_FOR_EPHEMERALS'],
  [Exception.SESSION_EXPIRED, 'SESSION_EXPIRED'],
  [Exception.CONNECTION_LOSS, 'CONNECTION_LOSS'],
  [Exception.OPERATION_TIMEOUT, 'OPERATION_TIMEOUT'],
  [Exception.BAD_ARGUMENTS, 'BAD_ARGUMENTS'],
]);

export class ZkError extends Error {
  override readonly name = 'ZkError';
  constructor(
    readonly code: ZkErrorCode,
    message: string,
    /** The node the failed request named, when there is one. */
    readonly path?: string,
    /** For a failed multi(): the index of the operation that made it fail. */
    readonly opIndex?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for an error the caller may retry once the session is connected again. */
export function isConnectionLoss(error: unknown): boolean {
  return error instanceof ZkError && error.code === 'CONNECTION_LOSS';
}

/** Maps whatever node-zookeeper-client reported (an Exception, an assertion Error) to a ZkError. */
export function toZkError(error: unknown, path?: string, opIndex?: number): ZkError {
  if (error instanceof ZkError) return error;
  if (error instanceof Exception) {
    const code = BY_NUMBER.get(error.getCode()) ?? 'OTHER';
    const where = path === undefined ? '' : ` (${path})`;
    return new ZkError(code, `ZooKeeper ${error.getName()}${where}`, path, opIndex, {
      cause: error,
    });
  }
  // The client validates arguments with assert(): a programming error, not a ZooKeeper answer.
  const message = error instanceof Error ? error.message : String(error);
  return new ZkError('BAD_ARGUMENTS', message, path, opIndex, { cause: error });
}
