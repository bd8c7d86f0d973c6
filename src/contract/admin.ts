import { z } from '@hono/zod-openapi';
import { KEY_KINDS, SUBJECT_BINDING } from './vocabulary.js';

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

export const KeyKindSchema = z
  .enum(KEY_KINDS)
  .describe(
    'secret: everything in the account (server side only). ingest: sends events only. publishable: reads usage, for browsers.',
  );

const subjectMeaning = `Binds the key to one subject. ingest: ${SUBJECT_BINDING.ingest}. publishable: ${SUBJECT_BINDING.publishable}. secret: ${SUBJECT_BINDING.secret}; the request is refused with 400.`;

export const KeyCreateSchema = z
  .object({
    kind: KeyKindSchema,
    subject: z.string().min(1).max(256).optional().describe(subjectMeaning),
    customerId: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .describe(
        'publishable only: binds the key to a customer (id or key), which it reads all subjects of, as they stand at each request (subjects added later included). A key of a deleted customer reads nothing.',
      ),
  })
  .openapi('KeyCreate');

export const KeySchema = z
  .object({
    id: z.string(),
    accountId: z.string(),
    kind: KeyKindSchema,
    subject: z
      .string()
      .nullable()
      .describe(
        'The subject the key is bound to (null: unbound). A secret key with a subject, made by an older version, is refused with 403 everywhere: re-issue it.',
      ),
    customerId: z.string().nullable().describe('The customer the key is bound to (null: none).'),
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
    customerId: z.string().nullable().describe('The customer a publishable key is bound to.'),
  })
  .openapi('WhoAmI');

export const BackupRequestSchema = z
  .object({
    path: z
      .string()
      .min(1)
      .max(4096)
      .describe(
        'Absolute directory on the server to write the backup into: it must not exist or be empty, and must not be inside the data directory.',
      ),
  })
  .openapi('BackupRequest');

export const BackupSchema = z
  .object({
    path: z.string().describe('The backup directory.'),
    createdAt: z.string().describe('When the backup started.'),
    events: z
      .number()
      .int()
      .describe('Events the backup holds: a restore gives back exactly these, each once.'),
    bytes: z.number().int().describe('Bytes written.'),
    ingestLogSeq: z
      .number()
      .int()
      .describe(
        'Ingest-log position of the backup: every event acknowledged up to this record, which includes every event acknowledged before the request arrived.',
      ),
    snapshotSeq: z
      .number()
      .int()
      .describe('Last record in the database snapshot; later ones are replayed at restore.'),
    tailEvents: z.number().int().describe('Events of the records after snapshotSeq.'),
    writerBlockedMs: z
      .number()
      .describe('Milliseconds ingest and its folds into the database waited for the backup.'),
    durationMs: z.number().describe('Milliseconds the backup took.'),
    files: z
      .array(z.object({ name: z.string(), bytes: z.number().int(), sha256: z.string() }))
      .describe('Files written besides backup.json (the manifest); restore checks them.'),
  })
  .openapi('Backup');
