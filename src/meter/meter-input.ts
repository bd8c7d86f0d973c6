import type { z } from '@hono/zod-openapi';
import type { MeterCreateSchema, MeterUpdateSchema } from '../contract/meter.js';

// The wire schemas are the one source of these shapes; the meter service validates them again
// because presets, the demo and the CLI hand it meters that never crossed HTTP.

/** What a caller gives to create or replace a meter (OpenMeter MeterCreate). */
export type MeterInput = z.infer<typeof MeterCreateSchema>;

/** What may change on an existing meter (OpenMeter MeterUpdate). */
export type MeterUpdate = z.infer<typeof MeterUpdateSchema>;
