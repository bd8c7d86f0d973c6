import { timingSafeEqual } from 'node:crypto';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiKeyRecord } from '../../auth/account-and-key.js';
import {
  AccountCreateSchema,
  AccountSchema,
  KeyCreatedSchema,
  KeyCreateSchema,
  KeySchema,
} from '../../contract/admin.js';
import { ProblemSchema } from '../../contract/problem.js';
import { UnauthorizedError, UnavailableError } from '../../errors/domain-errors.js';
import { bearerKey } from '../auth-middleware.js';
import type { AppEnv } from '../context.js';
import type { Services } from '../services.js';
import { registerBackupRoutes } from './backup.routes.js';

const problem = { 'application/problem+json': { schema: ProblemSchema } };
const errors = {
  400: { description: 'Invalid input', content: problem },
  401: { description: 'Missing or wrong admin token', content: problem },
  404: { description: 'Unknown account', content: problem },
};

function keyWire(k: ApiKeyRecord) {
  return {
    id: k.id,
    accountId: k.accountId,
    kind: k.kind,
    subject: k.subject ?? null,
    customerId: k.customerId ?? null,
    prefix: k.prefix,
    createdAt: k.createdAt,
    revokedAt: k.revokedAt ?? null,
  };
}

function requireAdmin(token: string | undefined): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!token) throw new UnavailableError('the admin API is disabled: set TALLY_ADMIN_TOKEN');
    const given = Buffer.from(bearerKey(c.req.header('authorization')) ?? '');
    const want = Buffer.from(token);
    if (given.length !== want.length || !timingSafeEqual(given, want)) {
      throw new UnauthorizedError('missing or wrong admin token');
    }
    await next();
  };
}

export function registerAdminRoutes(app: OpenAPIHono<AppEnv>, s: Services): void {
  const admin = requireAdmin(s.adminToken);
  const accountParam = z.object({ id: z.string() });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/v1/accounts',
      summary: 'Create an account',
      tags: ['Admin'],
      request: {
        body: { content: { 'application/json': { schema: AccountCreateSchema } }, required: true },
      },
      responses: {
        201: { description: 'Created', content: { 'application/json': { schema: AccountSchema } } },
        ...errors,
      },
      middleware: [admin],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const account = await s.keys.createAccount(body.name);
      if (body.profiles?.length) await s.enableProfiles(account.id, body.profiles);
      return c.json(await s.keys.getAccount(account.id), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/v1/accounts',
      summary: 'List accounts',
      tags: ['Admin'],
      responses: {
        200: {
          description: 'Accounts',
          content: { 'application/json': { schema: z.array(AccountSchema) } },
        },
        ...errors,
      },
      middleware: [admin],
    }),
    async (c) => c.json(await s.keys.listAccounts(), 200),
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/admin/v1/accounts/{id}/profiles',
      summary: 'Set the compat profiles an account has enabled (creates their preset meters)',
      tags: ['Admin'],
      request: {
        params: accountParam,
        body: {
          content: { 'application/json': { schema: z.object({ profiles: z.array(z.string()) }) } },
          required: true,
        },
      },
      responses: {
        200: { description: 'Account', content: { 'application/json': { schema: AccountSchema } } },
        ...errors,
      },
      middleware: [admin],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await s.enableProfiles(id, c.req.valid('json').profiles);
      return c.json(await s.keys.getAccount(id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/admin/v1/accounts/{id}/keys',
      summary: 'Create an API key (the key is shown once)',
      tags: ['Admin'],
      request: {
        params: accountParam,
        body: { content: { 'application/json': { schema: KeyCreateSchema } }, required: true },
      },
      responses: {
        201: {
          description: 'Created',
          content: { 'application/json': { schema: KeyCreatedSchema } },
        },
        ...errors,
      },
      middleware: [admin],
    }),
    async (c) => {
      const body = c.req.valid('json');
      const accountId = c.req.valid('param').id;
      // A customer named by id or key; the key stores its id (the key can change, the id not).
      const customer =
        body.customerId === undefined
          ? undefined
          : await s.customers.getLive(accountId, body.customerId);
      const { key, record } = await s.keys.createKey(
        accountId,
        body.kind,
        body.subject,
        undefined,
        customer?.id,
      );
      return c.json({ ...keyWire(record), key }, 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/admin/v1/accounts/{id}/keys',
      summary: 'List API keys (never the keys themselves)',
      tags: ['Admin'],
      request: { params: accountParam },
      responses: {
        200: {
          description: 'Keys',
          content: { 'application/json': { schema: z.array(KeySchema) } },
        },
        ...errors,
      },
      middleware: [admin],
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await s.keys.getAccount(id);
      return c.json((await s.keys.listKeys(id)).map(keyWire), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/admin/v1/accounts/{id}/keys/{keyId}',
      summary: 'Revoke an API key',
      tags: ['Admin'],
      request: { params: accountParam.extend({ keyId: z.string() }) },
      responses: { 204: { description: 'Revoked' }, ...errors },
      middleware: [admin],
    }),
    async (c) => {
      const { id, keyId } = c.req.valid('param');
      await s.keys.revokeKey(id, keyId);
      return c.body(null, 204);
    },
  );

  registerBackupRoutes(app, s, admin);
}
