// Connection limits of the HTTP server. A connection costs a file descriptor whether or not it ever
// sends a byte, and the process shares its descriptors with the store (DuckDB, the ingest log). So:
// a cap on open connections below the descriptor limit, deadlines for a request's headers and body
// and for idle keep-alive connections, and, near the cap, the oldest idle connection is closed to
// make room for the new one, so a flood of silent connections cannot lock real clients out until
// the deadlines reap it.

import { readFileSync } from 'node:fs';
import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import type { Config } from './config/config.js';

export interface ConnectionLimits {
  /** Hard cap: node drops connections beyond it at accept. */
  maxConnections: number;
  /** Above this many open connections, each new one closes the oldest idle one. */
  evictIdleAbove: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** How often node checks the header and request deadlines. */
  checkIntervalMs: number;
  /** The process's open-file limit, when known. */
  openFileLimit: number | undefined;
}

/** The soft "Max open files" limit from /proc/self/limits (Linux); undefined elsewhere. */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
  if (!m || m[1] === 'unlimited') return undefined;
  return Number(m[1]);
}

export const MAX_CONNECTIONS_CEILING = 4096;

/**
 * Half the descriptors go to connections, the other half stay for the store, DuckDB's files and
 * temporary spills; 4096 connections are far more than one process answers usefully at once.
 */
export function defaultMaxConnections(fdLimit: number | undefined): number {
  if (fdLimit === undefined) return MAX_CONNECTIONS_CEILING;
  return Math.max(1, Math.min(MAX_CONNECTIONS_CEILING, Math.floor(fdLimit / 2)));
}

export function connectionLimits(config: Config, fdLimit = openFileLimit()): ConnectionLimits {
  const maxConnections = config.TALLY_MAX_CONNECTIONS ?? defaultMaxConnections(fdLimit);
  // A tenth of the cap stays free for new connections while idle ones are being closed.
  const headroom = Math.max(1, Math.floor(maxConnections / 10));
  const shortest = Math.min(config.TALLY_HEADERS_TIMEOUT_MS, config.TALLY_REQUEST_TIMEOUT_MS);
  return {
    maxConnections,
    evictIdleAbove: Math.max(0, maxConnections - headroom),
    headersTimeoutMs: config.TALLY_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.TALLY_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.TALLY_KEEP_ALIVE_TIMEOUT_MS,
    // Node checks every 30 s by default, which stretches a 10 s header deadline to 40 s.
    checkIntervalMs: Math.max(100, Math.min(1_000, Math.floor(shortest / 4))),
    openFileLimit: fdLimit,
  };
}

/** Options for http.createServer; the interval can only be set at creation. */
export function httpServerOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

export interface ConnectionEvents {
  /** An idle connection was closed to make room for a new one. */
  onEvicted?: (open: number) => void;
  /** Node refused a connection at the hard cap (every open connection was busy). */
  onDropped?: () => void;
}

export interface ConnectionGuard {
  /** Connections open now, as the guard counts them. */
  open: () => number;
}

/**
 * Caps a server created with httpServerOptions(limits) and closes idle connections near the cap. A connection is idle from its accept until its
 * first request arrives, and again after each response until the next request; only idle
 * connections are ever closed early, so no request in flight is cut.
 */
export function guardConnections(
  server: Server,
  limits: ConnectionLimits,
  events: ConnectionEvents = {},
): ConnectionGuard {
  // The timeouts were given at creation (httpServerOptions); the cap is a property of a server.
  server.maxConnections = limits.maxConnections;

  const open = new Set<Socket>();
  // Insertion order is idle-since order: the first entry has been idle the longest.
  const idle = new Set<Socket>();

  server.on('connection', (socket: Socket) => {
    open.add(socket);
    idle.add(socket);
    socket.once('close', () => {
      open.delete(socket);
      idle.delete(socket);
    });
    if (open.size <= limits.evictIdleAbove) return;
    for (const oldest of idle) {
      if (oldest === socket) continue;
      idle.delete(oldest);
      oldest.destroy();
      events.onEvicted?.(open.size);
      break;
    }
  });
  // Requests in flight per connection (pipelined requests can overlap).
  const inFlight = new WeakMap<Socket, number>();
  server.on('request', (req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    idle.delete(socket);
    res.once('close', () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (left === 0 && open.has(socket) && !socket.destroyed) idle.add(socket);
    });
  });
  server.on('drop', () => events.onDropped?.());
  return { open: () => open.size };
}
