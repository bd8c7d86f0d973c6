// Usage alerts: webhook endpoints, alert rules and their state, the delivery log and manual
// redelivery. Secret keys only: rules and endpoints are account configuration.
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import {
  AlertRuleIdParamSchema,
  AlertRuleInputSchema,
  AlertRuleSchema,
  AlertRuleStateSchema,
  DeliveryIdParamSchema,
  DeliveryListQuerySchema,
  EndpointIdParamSchema,
  WebhookDeliverySchema,
  WebhookEndpointCreatedSchema,
  WebhookEndpointCreateSchema,
  WebhookEndpointSchema,
} from '../../contract/alerts.js';
import { ProblemSchema } from '../../contract/problem.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const errors = {
  400: { description: 'Invalid input', content: problem },
  401: { description: 'Missing or invalid key', content: problem },
  403: { description: 'Not a secret key', content: problem },
};
const notFound = { 404: { description: 'No such item in this account', content: problem } };
const tags = ['Alerts'];

export function registerAlertRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const secret = [s.auth(['secret'])];
  const account = (c: { get: (k: 'principal') => { accountId: string } }) =>
    c.get('principal').accountId;

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts/endpoints',
      summary: 'List webhook endpoints (without their secrets)',
      tags,
      responses: {
        200: { description: 'Endpoints', content: json(z.array(WebhookEndpointSchema)) },
        ...errors,
      },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.listEndpoints(account(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/alerts/endpoints',
      summary: 'Create a webhook endpoint; the answer holds its signing secret, shown only once',
      tags,
      request: { body: { content: json(WebhookEndpointCreateSchema), required: true } },
      responses: {
        201: { description: 'Created', content: json(WebhookEndpointCreatedSchema) },
        ...errors,
      },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.createEndpoint(account(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/alerts/endpoints/{endpointId}',
      summary: 'Delete a webhook endpoint no rule uses',
      tags,
      request: { params: EndpointIdParamSchema },
      responses: {
        204: { description: 'Deleted' },
        ...errors,
        ...notFound,
        409: { description: 'A rule uses it', content: problem },
      },
      middleware: secret,
    }),
    async (c) => {
      await s.alerts.deleteEndpoint(account(c), c.req.valid('param').endpointId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts/rules',
      summary: 'List alert rules',
      tags,
      responses: {
        200: { description: 'Rules', content: json(z.array(AlertRuleSchema)) },
        ...errors,
      },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.listRules(account(c)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/alerts/rules',
      summary: 'Create an alert rule',
      tags,
      request: { body: { content: json(AlertRuleInputSchema), required: true } },
      responses: { 201: { description: 'Created', content: json(AlertRuleSchema) }, ...errors },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.createRule(account(c), c.req.valid('json')), 201),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts/rules/{ruleId}',
      summary: 'Get an alert rule',
      tags,
      request: { params: AlertRuleIdParamSchema },
      responses: {
        200: { description: 'Rule', content: json(AlertRuleSchema) },
        ...errors,
        ...notFound,
      },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.getRule(account(c), c.req.valid('param').ruleId), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/alerts/rules/{ruleId}',
      summary: 'Replace an alert rule (thresholds already fired this period stay fired)',
      tags,
      request: {
        params: AlertRuleIdParamSchema,
        body: { content: json(AlertRuleInputSchema), required: true },
      },
      responses: {
        200: { description: 'Updated', content: json(AlertRuleSchema) },
        ...errors,
        ...notFound,
      },
      middleware: secret,
    }),
    async (c) =>
      c.json(
        await s.alerts.updateRule(account(c), c.req.valid('param').ruleId, c.req.valid('json')),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/alerts/rules/{ruleId}',
      summary: 'Delete an alert rule and its state (its deliveries stay in the log)',
      tags,
      request: { params: AlertRuleIdParamSchema },
      responses: { 204: { description: 'Deleted' }, ...errors, ...notFound },
      middleware: secret,
    }),
    async (c) => {
      await s.alerts.deleteRule(account(c), c.req.valid('param').ruleId);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts/rules/{ruleId}/state',
      summary:
        'Each subject\u2019s (per-customer rules: each customer\u2019s) value now and the thresholds fired in the current period',
      tags,
      request: { params: AlertRuleIdParamSchema },
      responses: {
        200: { description: 'State', content: json(AlertRuleStateSchema) },
        ...errors,
        ...notFound,
      },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.ruleState(account(c), c.req.valid('param').ruleId), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/alerts/deliveries',
      summary: 'The webhook delivery log, newest first, with every attempt',
      tags,
      request: { query: DeliveryListQuerySchema },
      responses: {
        200: { description: 'Deliveries', content: json(z.array(WebhookDeliverySchema)) },
        ...errors,
      },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.listDeliveries(account(c), c.req.valid('query')), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/alerts/deliveries/{deliveryId}/redeliver',
      summary: 'Send a delivery again (same webhook-id, a fresh round of retries)',
      tags,
      request: { params: DeliveryIdParamSchema },
      responses: {
        202: { description: 'Queued', content: json(WebhookDeliverySchema) },
        ...errors,
        ...notFound,
      },
      middleware: secret,
    }),
    async (c) => c.json(await s.alerts.redeliver(account(c), c.req.valid('param').deliveryId), 202),
  );
}
