// Meter-row generations. A replace writes every row under a new generation, then records it in
// meter_gens: readers always use the newest generation, so they see the old rows or the new ones,
// never a mix. Old generations are removed by an asynchronous mutation afterwards.
import type { ChConnection } from './client.js';
import { lit, litList } from './quote.js';

export class MeterGens {
  constructor(
    private readonly conn: ChConnection,
    private readonly insertSettings: Record<string, number>,
  ) {}

  /** The active generation of each meter (0 for a meter never replaced). */
  async current(meterIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (meterIds.length === 0) return out;
    const rows = await this.conn.exec<{ meter_id: string; g: string }>(
      `SELECT meter_id, max(gen) AS g FROM meter_gens WHERE meter_id IN (${litList(meterIds)}) GROUP BY meter_id`,
    );
    for (const r of rows) out.set(r.meter_id, Number(r.g));
    return out;
  }

  async one(meterId: string): Promise<number> {
    return (await this.current([meterId])).get(meterId) ?? 0;
  }

  activate(meterId: string, gen: number): Promise<void> {
    return this.conn.insert('meter_gens', [{ meter_id: meterId, gen }], this.insertSettings);
  }

  /** Mutations run on the node-local tables; 18.16 applies them in the background. */
  static cleanupSql(localTable: string, meterId: string, keepGen: number): string {
    return `ALTER TABLE ${localTable} DELETE WHERE meter_id = ${lit(meterId)} AND gen < ${lit(keepGen)}`;
  }
}
