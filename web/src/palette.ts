// Okabe–Ito colours: distinguishable with the common colour-vision deficiencies; the pale yellow
// is left out because it is unreadable on white. Past seven series, lines also get dash patterns.
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#D55E00',
  '#56B4E9',
  '#CC79A7',
  '#444444',
];

const DASHES: number[][] = [[], [6, 3], [2, 2], [8, 3, 2, 3]];

export function seriesColor(i: number): string {
  return PALETTE[i % PALETTE.length] ?? '#444444';
}

export function seriesDash(i: number): number[] {
  return DASHES[Math.floor(i / PALETTE.length) % DASHES.length] ?? [];
}
