// CORS for /api/*: publishable keys are used from browsers (customer portals, public counters).
// Preflights go to hono's cors middleware. Other requests only need two response headers, set
// with c.header: hono's middleware sets them on c.res before the handler runs, and a response
// set over an existing one is copied through its body stream, which made @hono/node-server
// write every JSON answer as a stream (about 1 ms of main-thread CPU per large usage answer).
import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

const EXPOSED = ['Retry-After', 'Tally-Value-Problems'];

export function corsHeaders(): MiddlewareHandler {
  const preflight = cors({
    origin: '*',
    allowHeaders: ['Authorization', 'Content-Type', 'Accept'],
    exposeHeaders: EXPOSED,
  });
  const exposed = EXPOSED.join(',');
  return (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next);
    c.header('Access-Control-Allow-Origin', '*');
    c.header('Access-Control-Expose-Headers', exposed);
    return next();
  };
}
