/**
 * A 16-bit bucket of a subject. Compaction sorts meter rows by it, and queries for given subjects
 * filter on it, so DuckDB's per-row-group min/max skip the other subjects' rows. The subject
 * string itself cannot serve: DuckDB keeps only an 8-byte prefix of strings as min/max, and real
 * subjects often share longer prefixes ("customer_..."). FNV-1a with a final fold; any stable
 * spread will do, collisions only cost reading a neighbour's rows.
 */
export function subjectBucket(subject: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) h = Math.imul(h ^ subject.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 16)) & 0xffff;
}
