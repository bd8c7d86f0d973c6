import { z } from '@hono/zod-openapi';

export const AccountCreateSchema = z
  .object({
    name: z.string().min(1).max(256),
    profiles: z.array(z.string()).optional().describe('Compat profiles to enable.'),
  })
  .openapi('AccountCreate');

export const AccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string(),
    profiles: z.array(z.string()),
  })
  .openapi('Account');

export const KeyKindSchema = z.enum(['secret', 'ingest', 'publishable']);

export const KeyCreateSchema = z
  .object({
    kind: KeyKindSchema,
    subject: z.string().min(1).optional().describe('Binds a publishable key to one subject.'),
  })
  .openapi('KeyCreate');

export const KeySchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    kind: KeyKindSchema,
    subject: z.string().nullable(),
    prefix: z.string(),
    createdAt: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

export const KeyCreatedSchema = KeySchema.extend({
  key: z.string().describe('The key itself: shown only once.'),
}).openapi('ApiKeyCreated');

export const WhoAmISchema = z
  .object({
    accountId: z.string(),
    accountName: z.string(),
    keyKind: KeyKindSchema,
    subject: z.string().nullable(),
  })
  .openapi('WhoAmI');
