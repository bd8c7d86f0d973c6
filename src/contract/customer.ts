// Customers on the wire, in the shapes of OpenMeter's customer API (what its client libraries send
// and read): a customer names the subjects whose usage is attributed to it.
import { z } from '@hono/zod-openapi';

/** Most subjects one customer may name: each becomes a value of the queries' subject mapping. */
export const MAX_CUSTOMER_SUBJECTS = 1000;

const SubjectKeysSchema = z
  .array(z.string().min(1).max(256))
  .max(MAX_CUSTOMER_SUBJECTS)
  .describe(
    'The subjects whose usage is attributed to the customer. One subject belongs to at most one customer.',
  );

export const CustomerUsageAttributionSchema = z
  .object({ subjectKeys: SubjectKeysSchema })
  .openapi('CustomerUsageAttribution');

// Create and replace take the same fields (PUT replaces the customer whole). Fields of OpenMeter's
// billing model (currency, billing address, primary email, description) are accepted and kept, so
// a client that sends them does not lose them; Tally reads none of them.
const customerFields = {
  name: z.string().min(1).max(256),
  key: z
    .string()
    .min(1)
    .max(256)
    .optional()
    .describe('Unique in the account; the customer can be named by it wherever an id is taken.'),
  description: z.string().max(1024).optional(),
  metadata: z.record(z.string(), z.string()).nullish(),
  usageAttribution: CustomerUsageAttributionSchema.optional(),
  primaryEmail: z.string().max(256).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  billingAddress: z.record(z.string(), z.string().max(256)).optional(),
};

export const CustomerCreateSchema = z.object(customerFields).openapi('CustomerCreate');
export const CustomerReplaceUpdateSchema = z
  .object(customerFields)
  .openapi('CustomerReplaceUpdate');
export type CustomerInput = z.infer<typeof CustomerCreateSchema>;

export const CustomerSchema = z
  .object({
    id: z.string().describe('ULID.'),
    name: z.string(),
    key: z.string().optional(),
    description: z.string().optional(),
    metadata: z.record(z.string(), z.string()).optional(),
    usageAttribution: CustomerUsageAttributionSchema,
    primaryEmail: z.string().optional(),
    currency: z.string().optional(),
    billingAddress: z.record(z.string(), z.string()).optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    deletedAt: z.iso.datetime().optional(),
  })
  .openapi('Customer');
export type CustomerWire = z.infer<typeof CustomerSchema>;

export const CustomerPaginatedResponseSchema = z
  .object({
    totalCount: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
    items: z.array(CustomerSchema),
  })
  .openapi('CustomerPaginatedResponse');

const flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

/** GET /api/v1/customers parameters (OpenMeter's names; unknown ones are refused). */
export const CustomerListParamsSchema = z
  .object({
    page: z.coerce.number().int().min(1).default(1),
    pageSize: z.coerce.number().int().min(1).max(1000).default(100),
    order: z.enum(['ASC', 'DESC']).default('ASC'),
    orderBy: z.enum(['id', 'name', 'createdAt']).default('id'),
    includeDeleted: flag,
    key: z.string().optional().describe('Case-insensitive partial match.'),
    name: z.string().optional().describe('Case-insensitive partial match.'),
    primaryEmail: z.string().optional().describe('Case-insensitive partial match.'),
    subject: z.string().optional().describe('Case-insensitive partial match on a subject key.'),
    expand: z
      .union([z.literal('subscriptions'), z.array(z.literal('subscriptions'))])
      .optional()
      .describe('Accepted; customers here have no subscriptions to expand.'),
  })
  .strict();
export type CustomerListParams = z.infer<typeof CustomerListParamsSchema>;

export const CustomerIdOrKeyParamSchema = z.object({
  customerIdOrKey: z.string().min(1).max(256),
});
