import { z } from '@hono/zod-openapi';

/** RFC 9457 problem details, as OpenMeter clients expect them. */
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string(),
    extensions: z
      .object({
        validationErrors: z
          .array(z.object({ field: z.string(), code: z.string(), message: z.string() }))
          .optional(),
        rejected: z
          .array(z.object({ index: z.number(), id: z.string().nullable(), reason: z.string() }))
          .optional(),
        accepted: z.number().optional(),
        duplicates: z.number().optional(),
      })
      .optional(),
  })
  .openapi('Problem');

export type Problem = z.infer<typeof ProblemSchema>;
