// Usage per entity of one kind over a range: the sums of its numeric fields (one native query per
// field, grouped by entity id), avg_viewing_seconds (viewing seconds per distinct viewer) and the
// attribute values most recently sent (the latest day of the attributes meter).

import type { FilterString } from '../../../query/usage-query.js';
import type { UsagePort } from '../profile.js';
import { usageQuery } from '../shared/usage-query-defaults.js';
import { attributesMeter, type EntityKind, sumMeter, viewersMeter } from './entities.js';

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
  const totals = async (meterSlug: string) => {
    const r = await s.usage.query(s.accountId, usageQuery({ meterSlug, ...base }));
    return new Map(r.rows.map((row) => [row.groupBy.id ?? '', row.value]));
  };
  const [sums, viewers, attrs] = await Promise.all([
    Promise.all(kind.sums.map((f) => totals(sumMeter(kind, f)))),
    kind.avgViewing ? totals(viewersMeter(kind)) : Promise.resolve(new Map<string, number>()),
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
  const latest = new Map<string, { at: number; values: Record<string, string | null> }>();
  for (const row of attrs.rows) {
    const id = row.groupBy.id ?? '';
    const seen = latest.get(id);
    if (!seen || row.windowStart >= seen.at)
      latest.set(id, { at: row.windowStart, values: row.groupBy });
  }
  const ids = [...new Set([...latest.keys(), ...sums.flatMap((m) => [...m.keys()])])]
    .filter((id) => id !== '')
    .sort();
  return ids.map((id) => {
    const rec: EntityRecord = { id };
    for (const a of kind.attributes) rec[a] = attributeValue(a, latest.get(id)?.values[a]);
    kind.sums.forEach((field, i) => {
      const v = sums[i]?.get(id) ?? 0;
      rec[field] = kind.stringSums?.includes(field) ? String(v) : v;
      if (field === 'viewing_seconds' && kind.avgViewing) {
        const n = viewers.get(id) ?? 0;
        rec.avg_viewing_seconds = n > 0 ? Math.round(v / n) : 0;
      }
    });
    return rec;
  });
}
