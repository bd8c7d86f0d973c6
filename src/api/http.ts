import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import { registerAdminRoutes } from './admin/admin.routes.js';
import { registerApiDocsRoutes } from './api-docs.routes.js';
import { compatProfiles } from './compat/index.js';
import { corsHeaders } from './cors-headers.js';
import { registerDashboardRoutes } from './dashboard.routes.js';
import { registerAlertRoutes } from './native/alerts.routes.js';
import { registerCorrectionRoutes } from './native/corrections.routes.js';
import { registerCustomerRoutes } from './native/customers.routes.js';
import { registerEventExplorerRoutes } from './native/event-explorer.routes.js';
import { registerEventRoutes } from './native/events.routes.js';
import { registerMeRoutes } from './native/me.routes.js';
import { registerMeterQueryRoutes } from './native/meter-query.routes.js';
import { registerMeterRoutes } from './native/meters.routes.js';
import { registerOpsRoutes } from './ops.routes.js';
import { problemResponse, statusOf } from './problem.js';
import { routesApp } from './routes-app.js';
import type { Services } from './services.js';

export const WEB_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../web/dist');

export const OPENAPI_INFO = {
  openapi: '3.1.0',
  info: {
    title: 'Tally API',
    version: '1.0.0',
    description:
      'Usage metering and usage analytics. The native API is compatible with the OpenMeter v1 API; Tally extensions are optional parameters.',
  },
};

/** Builds the whole HTTP application: native, admin, compat, ops routes and the dashboard. */
export function createHttpApp(s: Services, logger: Logger, ready: () => boolean = () => true) {
  const app = routesApp();

  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const route = c.req.routePath;
    s.metrics.httpLatency.observe(
      { method: c.req.method, route, status: String(c.res.status) },
      ms / 1000,
    );
    logger.info(
      {
        requestId: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
      },
      'request',
    );
  });
  // Publishable keys are used from browsers (customer portals, public counters).
  app.use('/api/*', corsHeaders());

  app.onError((err, c) => {
    if (statusOf(err) >= 500)
      logger.error({ requestId: c.get('requestId'), err }, 'request failed');
    return problemResponse(c, err, c.get('requestId'));
  });

  registerOpsRoutes(app, s, ready);
  registerMeRoutes(app, s);
  registerEventRoutes(app, s);
  registerEventExplorerRoutes(app, s);
  registerCorrectionRoutes(app, s);
  registerMeterRoutes(app, s);
  registerMeterQueryRoutes(app, s);
  registerCustomerRoutes(app, s);
  registerAlertRoutes(app, s);
  registerAdminRoutes(app, s);

  const deps = {
    usage: s.usage,
    meters: s.meters,
    keys: s.keys,
    accounts: {
      hasProfile: async (accountId: string, name: string) =>
        (await s.keys.getAccount(accountId).catch(() => undefined))?.profiles.includes(name) ??
        false,
      withProfile: async (name: string) =>
        (await s.keys.listAccounts()).filter((a) => a.profiles.includes(name)).map((a) => a.id),
    },
    now: s.now,
  };
  for (const profile of compatProfiles) app.route(profile.basePath, profile.routes(deps));

  app.doc31('/openapi.json', OPENAPI_INFO);

  registerApiDocsRoutes(app, WEB_ROOT);
  registerDashboardRoutes(app, WEB_ROOT, logger);
  app.notFound((c) =>
    c.body(
      JSON.stringify({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `no route for ${c.req.method} ${c.req.path}`,
        instance: `urn:request:${c.get('requestId')}`,
      }),
      404,
      { 'Content-Type': 'application/problem+json' },
    ),
  );
  return app;
}
