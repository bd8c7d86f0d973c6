// What the native route unit tests share: one meter, a meter service that knows only it, the real
// UsageService over a fake store reader, and a routes app that maps errors as the server does.
// Test support only (imported by *.routes.test.ts; left out of the build).
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../../auth/key-service.js';
import { NotFoundError } from '../../errors/domain-errors.js';
import type { MeterDefinition } from '../../meter/meter-definition.js';
import type { MeterService } from '../../meter/meter-service.js';
import { UsageService } from '../../query/usage-service.js';
import type { UsageReader } from '../../store/ports.js';
import type { AppEnv } from '../context.js';
import { problemResponse } from '../problem.js';
import { routesApp } from '../routes-app.js';
import type { Services } from '../services.js';

export const TEST_METER: MeterDefinition = {
  id: 'm1',
  accountId: 'acct',
  slug: 'tokens',
  name: 'tokens',
  aggregation: 'SUM',
  eventType: 'completion',
  valueProperty: '$.tokens',
  dimensions: [
    ['region', '$.region'],
    ['model', '$.model'],
  ],
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

/** `register` mounted alone, for a secret key of TEST_METER's account, at the clock `now`. */
export function routesOver(
  register: (app: OpenAPIHono<AppEnv>, s: Services) => void,
  reader: Partial<UsageReader>,
  now: number,
): OpenAPIHono<AppEnv> {
  const meter = TEST_METER;
  const meters = {
    get: async (accountId: string, slug: string) => {
      if (accountId === meter.accountId && (slug === meter.slug || slug === meter.id)) return meter;
      throw new NotFoundError(`meter ${slug} not found`);
    },
    live: async () => [meter],
  } as unknown as MeterService;
  const principal: Principal = { accountId: meter.accountId, kind: 'secret', keyId: 'k1' };
  const s = {
    meters,
    usage: new UsageService(meters, { readsRawEvents: true, ...reader } as UsageReader),
    now: () => now,
    auth: () => async (c, next) => {
      c.set('principal', principal);
      await next();
    },
  } as Partial<Services> as Services;
  const app = routesApp();
  app.onError((err, c) => problemResponse(c, err, 'req-1'));
  register(app, s);
  return app;
}
