// Wire shapes of usage alerts: webhook endpoints (URL + signing secret), alert rules on a meter's
// value per subject or per customer, a rule's current state, the webhook body sent when a
// threshold is crossed, and the delivery log with its attempts.
import { z } from '@hono/zod-openapi';
import { SLUG_MAX_LENGTH, SLUG_PATTERN } from './vocabulary.js';

const instant = () => z.iso.datetime();

/** Periods a period rule's value runs over (the value is the period to date). */
export const ALERT_PERIODS = ['HOUR', 'DAY', 'MONTH'] as const;
export const ALERT_RULE_KINDS = ['period', 'rolling'] as const;
/** What a rule's value is computed per: each subject, or each customer (all its subjects as one). */
export const ALERT_RULE_SCOPES = ['subject', 'customer'] as const;
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
/** The `type` of the webhook body. */
export const ALERT_EVENT_TYPE = 'alert.threshold_crossed';

const httpUrl = z
  .url()
  .max(2048)
  .refine((u) => /^https?:\/\//i.test(u), { message: 'must be an http or https URL' });

export const WebhookEndpointCreateSchema = z
  .object({
    url: httpUrl.describe('Where alerts are POSTed (http or https).'),
    description: z.string().max(512).optional(),
  })
  .strict()
  .openapi('WebhookEndpointCreate');

export const WebhookEndpointSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().optional(),
    createdAt: instant(),
  })
  .openapi('WebhookEndpoint');

export const WebhookEndpointCreatedSchema = WebhookEndpointSchema.extend({
  secret: z
    .string()
    .describe(
      'The signing secret (whsec_...), shown only in this answer: verify webhook-signature with it (Standard Webhooks).',
    ),
}).openapi('WebhookEndpointCreated');

export type WebhookEndpointWire = z.infer<typeof WebhookEndpointSchema>;

const ruleFields = {
  name: z.string().min(1).max(256),
  meter: z.string().max(SLUG_MAX_LENGTH).regex(SLUG_PATTERN).describe('The meter\u2019s slug.'),
  endpointId: z.string().min(1).max(64).describe('The webhook endpoint the alerts go to.'),
  kind: z
    .enum(ALERT_RULE_KINDS)
    .describe(
      'period: the value from the start of the current period (e.g. month to date); rolling: the value over the last `windowMinutes`.',
    ),
  period: z.enum(ALERT_PERIODS).optional().describe('period rules: the period (default MONTH).'),
  windowMinutes: z
    .number()
    .int()
    .min(1)
    .max(44_640)
    .optional()
    .describe('rolling rules: the trailing window in minutes.'),
  timeZone: z.string().max(64).optional().describe('IANA zone the periods start in (default UTC).'),
  limit: z
    .number()
    .positive()
    .optional()
    .describe('When set, thresholds are percentages of it (e.g. 80 and 100).'),
  thresholds: z
    .array(z.number().positive())
    .min(1)
    .max(10)
    .describe('A crossing fires when the value reaches a threshold (value >= threshold).'),
  per: z
    .enum(ALERT_RULE_SCOPES)
    .optional()
    .describe(
      'subject (default): the value of each subject on its own; customer: the value of each customer over all its subjects (usageAttribution.subjectKeys) as one group, so a unique count counts a value shared by two subjects once. Subjects of no customer are not evaluated by a per-customer rule.',
    ),
  subjects: z
    .array(z.string().min(1).max(256))
    .max(100)
    .optional()
    .describe(
      'Per-subject rules: only these subjects (absent or empty: every subject, each on its own).',
    ),
  customers: z
    .array(z.string().min(1).max(256))
    .max(100)
    .optional()
    .describe(
      'Per-customer rules: only these customers, by id or key (stored as ids; absent or empty: every customer).',
    ),
  enabled: z.boolean().optional(),
};

function checkKind(
  r: {
    kind: string;
    windowMinutes?: number | undefined;
    per?: string | undefined;
    subjects?: string[] | undefined;
    customers?: string[] | undefined;
  },
  ctx: z.RefinementCtx,
) {
  if (r.kind === 'rolling' && r.windowMinutes === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['windowMinutes'],
      message: 'is required for rolling rules',
    });
  }
  // A filter of the other scope would be silently ignored: refused instead.
  if (r.per === 'customer' && (r.subjects?.length ?? 0) > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['subjects'],
      message: 'applies to per-subject rules; a per-customer rule filters with `customers`',
    });
  }
  if (r.per !== 'customer' && (r.customers?.length ?? 0) > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['customers'],
      message: 'applies to per-customer rules (per: "customer")',
    });
  }
}

export const AlertRuleInputSchema = z
  .object(ruleFields)
  .strict()
  .superRefine(checkKind)
  .openapi('AlertRuleInput');

export type AlertRuleInput = z.infer<typeof AlertRuleInputSchema>;

export const AlertRuleSchema = z
  .object({
    id: z.string(),
    ...ruleFields,
    per: z.enum(ALERT_RULE_SCOPES),
    enabled: z.boolean(),
    timeZone: z.string(),
    createdAt: instant(),
    updatedAt: instant(),
  })
  .openapi('AlertRule');

export type AlertRule = z.infer<typeof AlertRuleSchema>;

export const AlertWindowSchema = z
  .object({ from: instant(), to: instant() })
  .openapi('AlertWindow');

export const AlertThresholdStateSchema = z.object({
  threshold: z.number().describe('As configured (a percentage when the rule has a limit).'),
  thresholdValue: z.number().describe('The value that fires it.'),
  fired: z.boolean().describe('Fired in the current period (rolling: not yet re-armed).'),
  firedAt: instant().optional(),
  deliveryId: z.string().optional(),
});

export const AlertSubjectStateSchema = z
  .object({
    subject: z.string(),
    value: z.number().describe('The value now.'),
    thresholds: z.array(AlertThresholdStateSchema),
  })
  .openapi('AlertSubjectState');

export const AlertCustomerStateSchema = z
  .object({
    customerId: z.string(),
    customerKey: z.string().optional(),
    customerName: z.string().optional().describe('Absent when the customer was deleted.'),
    value: z.number().describe('The value now, over all the customer\u2019s subjects.'),
    thresholds: z.array(AlertThresholdStateSchema),
  })
  .openapi('AlertCustomerState');

export const AlertRuleStateSchema = z
  .object({
    ruleId: z.string(),
    window: AlertWindowSchema.describe('The period (or rolling window) the values cover now.'),
    lastEvaluatedAt: instant()
      .optional()
      .describe(
        'When this process last finished evaluating the rule (absent: not yet, or another process owns the account).',
      ),
    lastError: z.string().optional(),
    per: z.enum(ALERT_RULE_SCOPES),
    subjects: z
      .array(AlertSubjectStateSchema)
      .describe('Per-subject rules: each subject (empty for per-customer rules).'),
    customers: z
      .array(AlertCustomerStateSchema)
      .optional()
      .describe('Per-customer rules: each customer.'),
  })
  .openapi('AlertRuleState');

/** The JSON body of a webhook (Standard Webhooks: type, timestamp, data). */
export const AlertWebhookPayloadSchema = z
  .object({
    type: z.literal(ALERT_EVENT_TYPE),
    timestamp: instant().describe('When the crossing was detected.'),
    data: z.object({
      rule: z.object({
        id: z.string(),
        name: z.string(),
        meter: z.string(),
        kind: z.enum(ALERT_RULE_KINDS),
        per: z.enum(ALERT_RULE_SCOPES),
      }),
      subject: z.string().optional().describe('Per-subject rules: the subject that crossed.'),
      customerId: z
        .string()
        .optional()
        .describe('Per-customer rules: the customer that crossed (its subjects together).'),
      customerKey: z.string().optional().describe('Per-customer rules: the customer\u2019s key.'),
      threshold: z.number(),
      thresholdValue: z.number(),
      limit: z.number().optional(),
      value: z.number().describe('The value when the crossing was detected.'),
      period: AlertWindowSchema.describe('The period, or the rolling window, of the value.'),
    }),
  })
  .openapi('AlertWebhookPayload');

export type AlertWebhookPayload = z.infer<typeof AlertWebhookPayloadSchema>;

export const WebhookAttemptSchema = z
  .object({
    at: instant(),
    durationMs: z.number(),
    statusCode: z.number().int().optional(),
    error: z.string().optional(),
  })
  .openapi('WebhookAttempt');

export type WebhookAttempt = z.infer<typeof WebhookAttemptSchema>;

export const WebhookDeliverySchema = z
  .object({
    id: z.string().describe('The webhook-id header: one per crossing, the same on every retry.'),
    ruleId: z.string(),
    endpointId: z.string(),
    subject: z.string().optional().describe('Per-subject rules: the subject that crossed.'),
    customerId: z.string().optional().describe('Per-customer rules: the customer that crossed.'),
    threshold: z.number(),
    status: z.enum(DELIVERY_STATUSES),
    createdAt: instant(),
    nextAttemptAt: instant().optional(),
    attempts: z.array(WebhookAttemptSchema),
    payload: AlertWebhookPayloadSchema,
  })
  .openapi('WebhookDelivery');

export type WebhookDeliveryWire = z.infer<typeof WebhookDeliverySchema>;

export const DeliveryListQuerySchema = z.object({
  ruleId: z.string().max(64).optional(),
  status: z.enum(DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const AlertRuleIdParamSchema = z.object({ ruleId: z.string().max(64) });
export const EndpointIdParamSchema = z.object({ endpointId: z.string().max(64) });
export const DeliveryIdParamSchema = z.object({ deliveryId: z.string().max(64) });
