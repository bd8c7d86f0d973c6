// Usage per entity of one kind over a range: the engine metrics of entities.ts grouped by entity
// id (field sums and avg_viewing_seconds), and the attribute values most recently sent. Picking
// those is a choice among dimension values, not arithmetic: the latest hour of the attributes
// meter in which the entity was seen holds its current name, type and so on.

import type { FilterString } from '../../../query/usage-query.js';
import type { UsagePort } from '../profile.js';
import { metricsQuery, usageQuery } from '../shared/usage-query-defaults.js';
import { attributesMeter, type EntityKind, entityMetrics } from './entities.js';

export type EntityRecord = Record<string, string | number | boolean | null>;

export interface EntityScope {
  usage: UsagePort;
  accountId: string;
  from: number;
  to: number;
  /** Only this entity, when set. */
  id?: string;
}

function attributeValue(name: string, v: string | null | undefined): string | boolean | null {
  if (v === undefined || v === null) return name === 'archived' ? false : null;
  return name === 'archived' ? v === 'true' : v;
}

export async function entityUsage(kind: EntityKind, s: EntityScope): Promise<EntityRecord[]> {
  const filters: Record<string, FilterString> = s.id ? { id: { $eq: s.id } } : {};
  const base = { from: s.from, to: s.to, filters, groupBy: ['id'] };
  const [sums, attrs] = await Promise.all([
    s.usage.queryMetrics(s.accountId, metricsQuery({ metrics: entityMetrics(kind), ...base })),
    s.usage.query(
      s.accountId,
      usageQuery({
        meterSlug: attributesMeter(kind),
        ...base,
        windowSize: 'HOUR',
        groupBy: ['id', ...kind.attributes],
      }),
    ),
  ]);
  const usageOf = new Map(sums.rows.map((r) => [r.groupBy.id ?? '', r.values]));
  const latest = new Map<string, { at: number; values: Record<string, string | null> }>();
  for (const row of attrs.rows) {
    const id = row.groupBy.id ?? '';
    const seen = latest.get(id);
    if (!seen || row.windowStart >= seen.at)
      latest.set(id, { at: row.windowStart, values: row.groupBy });
  }
  const ids = [...new Set([...latest.keys(), ...usageOf.keys()])].filter((id) => id !== '').sort();
  return ids.map((id) => {
    const rec: EntityRecord = { id };
    for (const a of kind.attributes) rec[a] = attributeValue(a, latest.get(id)?.values[a]);
    const values = usageOf.get(id) ?? {};
    for (const field of kind.sums) {
      const v = values[field] ?? 0;
      rec[field] = kind.stringSums?.includes(field) ? String(v) : v;
      if (field === 'viewing_seconds' && kind.avgViewing) {
        rec.avg_viewing_seconds = values.avg_viewing_seconds ?? 0;
      }
    }
    return rec;
  });
}
