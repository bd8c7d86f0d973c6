// Okabe–Ito colours first (distinguishable with the common colour-vision deficiencies; the pale
// yellow is left out as unreadable on white), then three dark ones from Paul Tol's muted scheme.
// Past ten series, lines also get dash patterns.
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#56B4E9',
  '#CC79A7',
  '#444444',
  '#882255',
  '#332288',
  '#999933',
];

const DASHES: number[][] = [[], [6, 3], [2, 2], [8, 3, 2, 3]];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length] ?? '#444444';
}

export function seriesDash(i: number): number[] {
  return DASHES[Math.floor(i / PALETTE.length) % DASHES.length] ?? [];
}
