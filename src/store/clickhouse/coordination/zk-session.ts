// A promise wrapper around one node-zookeeper-client session.
//
// Session semantics callers rely on:
// - 'disconnected' is temporary: the client reconnects by itself and the session (with its
//   ephemeral nodes and watches) survives if it reconnects within the session timeout. Requests
//   made meanwhile are queued and sent on reconnect; requests in flight when the connection broke
//   fail with CONNECTION_LOSS and may or may not have been applied.
// - 'expired' is final: the server dropped the session and deleted its ephemeral nodes. This
//   object never comes back from it; open a new session with ZkSession.connect(). The client only
//   learns of an expiry when it reconnects, so a partitioned process still sees 'disconnected'.
// - 'closed' is final too, reached through close().
//
// The wrapper rejects, on expiry or close, the requests the library would leave unanswered (it
// drops the requests it had queued but not yet sent).
import {
  type Client,
  CreateMode,
  createClient,
  type Event,
  type Option,
  type Stat,
  State,
} from 'node-zookeeper-client';
import { toZkError, ZkError } from './zk-error.js';
import { longOf, toZkStat, type ZkStat } from './zk-stat.js';

export type ZkState = 'connected' | 'disconnected' | 'expired' | 'closed';

export type ZkCreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistent-sequential'
  | 'ephemeral-sequential';

export interface ZkWatchEvent {
  type: 'created' | 'deleted' | 'dataChanged' | 'childrenChanged';
  path: string;
}

/** One-shot, like every ZooKeeper watch: re-arm it by reading again. */
export type ZkWatcher = (event: ZkWatchEvent) => void;

/** What identifies a session to the server; reconnecting with it resumes (or expires) it. */
export interface ZkSessionCredentials {
  id: Buffer;
  password: Buffer;
}

export interface ZkConnectOptions {
  /** Asked of the server, which clamps it to [2, 20] ticks (4 s to 40 s with tickTime=2000). */
  sessionTimeoutMs: number;
  /** Attach to an existing session instead of creating one (tests use it to force an expiry). */
  resume?: ZkSessionCredentials;
  /** Gives up connecting: without it connect() waits for as long as the servers are unreachable. */
  signal?: AbortSignal;
}

export type ZkOp =
  | { type: 'check'; path: string; version: number }
  | { type: 'create'; path: string; data?: Buffer; mode?: ZkCreateMode }
  | { type: 'setData'; path: string; data: Buffer; version?: number }
  | { type: 'remove'; path: string; version?: number };

export type ZkOpResult =
  | { type: 'check' }
  | { type: 'create'; path: string }
  | { type: 'setData'; stat: ZkStat }
  | { type: 'remove' };

const MODES: Record<ZkCreateMode, number> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  'persistent-sequential': CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': CreateMode.EPHEMERAL_SEQUENTIAL,
};

// node-zookeeper-client's Event type numbers.
const EVENT_TYPES: Record<number, ZkWatchEvent['type']> = {
  1: 'created',
  2: 'deleted',
  3: 'dataChanged',
  4: 'childrenChanged',
};

// The multi result codes of the library's jute layer: an ERROR entry carries `err`.
const MULTI_ERROR = -1;

interface RawMultiResult {
  type: number;
  err?: number;
  path?: string;
  stat?: Stat;
}

type Done<T> = (error: unknown, value?: T) => void;

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

export class ZkSession {
  #state: ZkState = 'disconnected';
  #closing = false;
  readonly #pending = new Set<(error: ZkError) => void>();
  readonly #listeners = new Set<(state: ZkState) => void>();
  // One library watcher per caller watcher: the library de-duplicates a path's watchers by
  // identity, so re-arming with the same function does not pile up listeners until it fires.
  readonly #watchers = new WeakMap<ZkWatcher, (event: Event) => void>();

  private constructor(private readonly client: Client) {
    client.on('state', (state: State) => this.#onClientState(state));
  }

  /** Resolves once the session is established; rejects if it is expired on arrival or aborted. */
  static connect(connectString: string, options: ZkConnectOptions): Promise<ZkSession> {
    const clientOptions: Partial<Option> & { sessionId?: Buffer; sessionPassword?: Buffer } = {
      sessionTimeout: options.sessionTimeoutMs,
      // Only requests lost to a broken connection would be retried, and blindly: callers decide.
      retries: 0,
      // The library waits up to spinDelay (random) between rounds over the servers: keep a
      // reconnect quick, the session timeout is only a few seconds.
      spinDelay: 200,
      ...(options.resume
        ? { sessionId: options.resume.id, sessionPassword: options.resume.password }
        : {}),
    };
    const session = new ZkSession(createClient(connectString, clientOptions));
    return new Promise<ZkSession>((resolve, reject) => {
      const stop = session.onState((state) => {
        if (state === 'connected') {
          stop();
          options.signal?.removeEventListener('abort', abort);
          resolve(session);
        } else if (state === 'expired' || state === 'closed') {
          stop();
          options.signal?.removeEventListener('abort', abort);
          reject(new ZkError('SESSION_EXPIRED', 'ZooKeeper session expired while connecting'));
        }
      });
      const abort = () => {
        stop();
        void session.close();
        reject(new ZkError('CLOSED', `gave up connecting to ZooKeeper at ${connectString}`));
      };
      if (options.signal?.aborted) return abort();
      options.signal?.addEventListener('abort', abort, { once: true });
      session.client.connect();
    });
  }

  get state(): ZkState {
    return this.#state;
  }

  /** The server-assigned id, the value ephemeral nodes of this session carry as ephemeralOwner. */
  get sessionId(): bigint {
    return longOf(this.client.getSessionId());
  }

  /** The negotiated timeout (the server may clamp the requested one). */
  get sessionTimeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  credentials(): ZkSessionCredentials {
    return { id: this.client.getSessionId(), password: this.client.getSessionPassword() };
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onState(listener: (state: ZkState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Creates a node; with `parents`, missing ancestors are created (persistent, empty) first. */
  async create(
    path: string,
    options: { data?: Buffer; mode?: ZkCreateMode; parents?: boolean } = {},
  ): Promise<string> {
    const mode = MODES[options.mode ?? 'persistent'];
    const data = options.data ?? Buffer.alloc(0);
    const once = () =>
      this.#call<string>(path, (done) => this.client.create(path, data, mode, done));
    try {
      return await once();
    } catch (error) {
      if (!(options.parents && error instanceof ZkError && error.code === 'NO_NODE')) throw error;
    }
    await this.mkdirp(parentOf(path));
    return once();
  }

  /** Creates `path` and its ancestors as persistent empty nodes; existing ones are kept. */
  async mkdirp(path: string): Promise<void> {
    if (path === '/') return;
    await this.#call<string>(path, (done) => this.client.mkdirp(path, done));
  }

  async getData(path: string, watch?: ZkWatcher): Promise<{ data: Buffer; stat: ZkStat }> {
    const [data, stat] = await this.#call<[Buffer, Stat]>(path, (done) => {
      const callback = (error: unknown, buffer: Buffer, stat: Stat) => done(error, [buffer, stat]);
      if (watch) this.client.getData(path, this.#watcher(watch), callback);
      else this.client.getData(path, callback);
    });
    return { data: data ?? Buffer.alloc(0), stat: toZkStat(stat) };
  }

  async getChildren(path: string, watch?: ZkWatcher): Promise<string[]> {
    return this.#call<string[]>(path, (done) => {
      const callback = (error: unknown, children: string[]) => done(error, children);
      if (watch) this.client.getChildren(path, this.#watcher(watch), callback);
      else this.client.getChildren(path, callback);
    });
  }

  /** The node's Stat, or undefined when it does not exist (a watch then fires on its creation). */
  async exists(path: string, watch?: ZkWatcher): Promise<ZkStat | undefined> {
    const stat = await this.#call<Stat | null>(path, (done) => {
      const callback = (error: unknown, stat: Stat | null) => done(error, stat);
      if (watch) this.client.exists(path, this.#watcher(watch), callback);
      else this.client.exists(path, callback);
    });
    return stat ? toZkStat(stat) : undefined;
  }

  async setData(path: string, data: Buffer, version = -1): Promise<ZkStat> {
    const stat = await this.#call<Stat>(path, (done) =>
      this.client.setData(path, data, version, done),
    );
    return toZkStat(stat);
  }

  /** Deletes the node; `version` -1 matches any version. */
  async remove(path: string, version = -1): Promise<void> {
    await this.#call<void>(path, (done) => this.client.remove(path, version, done));
  }

  /** Resolves once `path` does not exist (at once when it does not), by watching it. */
  async untilGone(path: string): Promise<void> {
    for (;;) {
      let fired: () => void = () => {};
      const changed = new Promise<void>((resolve) => {
        fired = resolve;
      });
      if ((await this.exists(path, () => fired())) === undefined) return;
      let stop: () => void = () => {};
      const ended = new Promise<void>((resolve) => {
        stop = this.onState((state) => {
          if (state === 'expired' || state === 'closed') resolve();
        });
      });
      await Promise.race([changed, ended]).finally(stop);
      // A final state fails the next exists() with SESSION_EXPIRED or CLOSED.
    }
  }

  /**
   * Applies `ops` atomically (ZooKeeper's multi): all or none. On failure the ZkError's code and
   * opIndex are those of the operation that failed, e.g. BAD_VERSION at the index of a check.
   */
  async multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    const raw = await this.#call<RawMultiResult[]>(undefined, (done) => {
      const tx = this.client.transaction();
      for (const op of ops) {
        if (op.type === 'check') tx.check(op.path, op.version);
        else if (op.type === 'create')
          tx.create(op.path, op.data ?? Buffer.alloc(0), MODES[op.mode ?? 'persistent']);
        else if (op.type === 'setData') tx.setData(op.path, op.data, op.version ?? -1);
        else tx.remove(op.path, op.version ?? -1);
      }
      // The builder turns version 0 into -1 (`version || -1`), i.e. "any version": a check of a
      // freshly created node would always pass. Put the requested versions back.
      const built = (tx as unknown as { ops?: { version?: number }[] }).ops;
      if (!Array.isArray(built) || built.length !== ops.length) {
        throw new Error('node-zookeeper-client Transaction no longer exposes its ops');
      }
      ops.forEach((op, i) => {
        const target = built[i];
        if (target && op.type !== 'create') target.version = op.version ?? -1;
      });
      tx.commit((error: unknown, results: RawMultiResult[] | undefined) => {
        if (!error) return done(null, results);
        const failed = (results ?? []).findIndex((r) => r.type === MULTI_ERROR && r.err !== 0);
        done(failed >= 0 ? toZkError(error, ops[failed]?.path, failed) : error);
      });
    });
    return ops.map((op, i): ZkOpResult => {
      const result = raw[i];
      if (op.type === 'create') return { type: 'create', path: result?.path ?? op.path };
      if (op.type === 'setData') {
        if (!result?.stat) throw new ZkError('OTHER', `multi returned no stat for ${op.path}`);
        return { type: 'setData', stat: toZkStat(result.stat) };
      }
      return { type: op.type };
    });
  }

  /**
   * Ends the session: the server deletes its ephemeral nodes before it answers. Resolves once the
   * connection is gone. Requests still unanswered then are rejected with CLOSED.
   */
  async close(): Promise<void> {
    if (this.#closing || this.#state === 'expired' || this.#state === 'closed') return;
    this.#closing = true;
    // Sent only when connected: otherwise the close request would wait for a reconnect.
    const gone =
      this.#state === 'connected'
        ? new Promise<void>((resolve) => this.client.once('disconnected', () => resolve()))
        : Promise.resolve();
    this.client.close();
    await gone;
    this.#enter('closed', new ZkError('CLOSED', 'ZooKeeper session closed'));
  }

  #watcher(watch: ZkWatcher): (event: Event) => void {
    let wrapped = this.#watchers.get(watch);
    if (!wrapped) {
      wrapped = (event) => {
        const type = EVENT_TYPES[event.getType()];
        if (type && !this.#closing && this.#state !== 'closed') {
          watch({ type, path: event.getPath() });
        }
      };
      this.#watchers.set(watch, wrapped);
    }
    return wrapped;
  }

  #call<T>(path: string | undefined, start: (done: Done<T>) => void): Promise<T> {
    if (this.#state === 'expired') {
      return Promise.reject(new ZkError('SESSION_EXPIRED', 'ZooKeeper session expired', path));
    }
    if (this.#closing || this.#state === 'closed') {
      return Promise.reject(new ZkError('CLOSED', 'ZooKeeper session closed', path));
    }
    return new Promise<T>((resolve, reject) => {
      const abandon = (error: ZkError) => reject(error);
      this.#pending.add(abandon);
      try {
        start((error, value) => {
          this.#pending.delete(abandon);
          if (error) reject(toZkError(error, path));
          else resolve(value as T);
        });
      } catch (error) {
        this.#pending.delete(abandon);
        reject(toZkError(error, path));
      }
    });
  }

  #onClientState(state: State): void {
    if (this.#state === 'expired' || this.#state === 'closed') return;
    if (state === State.SYNC_CONNECTED) {
      if (!this.#closing) this.#enter('connected');
    } else if (state === State.EXPIRED) {
      this.#enter('expired', new ZkError('SESSION_EXPIRED', 'ZooKeeper session expired'));
    } else if (state === State.AUTH_FAILED) {
      this.#enter('closed', new ZkError('OTHER', 'ZooKeeper authentication failed'));
    } else if (!this.#closing) {
      // DISCONNECTED, and CONNECTED_READ_ONLY (never asked for): nothing can be written now.
      this.#enter('disconnected');
    }
  }

  #enter(state: ZkState, failure?: ZkError): void {
    if (this.#state === state) return;
    this.#state = state;
    if (failure) {
      for (const abandon of this.#pending) abandon(failure);
      this.#pending.clear();
    }
    for (const listener of [...this.#listeners]) listener(state);
  }
}
