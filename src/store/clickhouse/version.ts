// Versions for metadata records and meter-row generations: microsecond-scaled wall clock, strictly
// increasing within a process. Across processes the later write by clock wins, which is the rule
// operators expect from "last edit wins" metadata.
let last = 0;

export function nextVersion(): number {
  const candidate = Date.now() * 1000;
  last = candidate > last ? candidate : last + 1;
  return last;
}
