// Customers under /api/v1/customers, as OpenMeter's client libraries call them. Secret keys only:
// a customer names subjects, which only account-wide keys may list.
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  CustomerCreateSchema,
  CustomerIdOrKeyParamSchema,
  CustomerListParamsSchema,
  CustomerPaginatedResponseSchema,
  CustomerReplaceUpdateSchema,
  CustomerSchema,
  type CustomerWire,
} from '../../contract/customer.js';
import { ProblemSchema } from '../../contract/problem.js';
import type { Customer } from '../../customer/customer.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };
const errors = {
  400: { description: 'Invalid input', content: problem },
  401: { description: 'Missing or invalid key', content: problem },
  403: { description: 'Not a secret key', content: problem },
};
const notFound = { 404: { description: 'Unknown customer', content: problem } };
const conflict = {
  409: { description: 'Key taken, or a subject of another customer', content: problem },
};
const customerJson = { 'application/json': { schema: CustomerSchema } };

export function toCustomerWire(c: Customer): CustomerWire {
  const w: CustomerWire = {
    id: c.id,
    name: c.name,
    usageAttribution: { subjectKeys: c.subjectKeys },
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
  if (c.key !== undefined) w.key = c.key;
  if (c.description !== undefined) w.description = c.description;
  if (c.metadata !== undefined) w.metadata = c.metadata;
  if (c.primaryEmail !== undefined) w.primaryEmail = c.primaryEmail;
  if (c.currency !== undefined) w.currency = c.currency;
  if (c.billingAddress !== undefined) w.billingAddress = c.billingAddress;
  if (c.deletedAt !== undefined) w.deletedAt = c.deletedAt;
  return w;
}

export function registerCustomerRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const secret = s.auth(['secret']);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/customers',
      summary: 'List customers',
      tags: ['Customers'],
      request: { query: CustomerListParamsSchema },
      responses: {
        200: {
          description: 'One page of customers',
          content: { 'application/json': { schema: CustomerPaginatedResponseSchema } },
        },
        ...errors,
      },
      middleware: [secret],
    }),
    async (c) => {
      const page = await s.customers.list(c.get('principal').accountId, c.req.valid('query'));
      return c.json({ ...page, items: page.items.map(toCustomerWire) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/api/v1/customers',
      summary: 'Create a customer',
      tags: ['Customers'],
      request: {
        body: { content: { 'application/json': { schema: CustomerCreateSchema } }, required: true },
      },
      responses: {
        201: { description: 'Created', content: customerJson },
        ...errors,
        ...conflict,
      },
      middleware: [secret],
    }),
    async (c) => {
      const created = await s.customers.create(c.get('principal').accountId, c.req.valid('json'));
      return c.json(toCustomerWire(created), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/customers/{customerIdOrKey}',
      summary: 'Get a customer by id or key (a deleted one by id, with deletedAt)',
      tags: ['Customers'],
      request: { params: CustomerIdOrKeyParamSchema },
      responses: {
        200: { description: 'The customer', content: customerJson },
        ...errors,
        ...notFound,
      },
      middleware: [secret],
    }),
    async (c) => {
      const { customerIdOrKey } = c.req.valid('param');
      const found = await s.customers.get(c.get('principal').accountId, customerIdOrKey);
      return c.json(toCustomerWire(found), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/api/v1/customers/{customerIdOrKey}',
      summary: 'Replace a customer',
      tags: ['Customers'],
      request: {
        params: CustomerIdOrKeyParamSchema,
        body: {
          content: { 'application/json': { schema: CustomerReplaceUpdateSchema } },
          required: true,
        },
      },
      responses: {
        200: { description: 'The customer', content: customerJson },
        ...errors,
        ...notFound,
        ...conflict,
      },
      middleware: [secret],
    }),
    async (c) => {
      const { customerIdOrKey } = c.req.valid('param');
      const updated = await s.customers.replace(
        c.get('principal').accountId,
        customerIdOrKey,
        c.req.valid('json'),
      );
      return c.json(toCustomerWire(updated), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/customers/{customerIdOrKey}',
      summary: 'Delete a customer (sets deletedAt; it no longer filters, groups or binds keys)',
      tags: ['Customers'],
      request: { params: CustomerIdOrKeyParamSchema },
      responses: {
        204: { description: 'Deleted' },
        ...errors,
        ...notFound,
      },
      middleware: [secret],
    }),
    async (c) => {
      const { customerIdOrKey } = c.req.valid('param');
      await s.customers.delete(c.get('principal').accountId, customerIdOrKey);
      return c.body(null, 204);
    },
  );
}
