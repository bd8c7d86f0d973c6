// Renders a sum of decimal amounts as a plain decimal string. The engine sums in binary floating
// point, so the value is rounded to `places` decimals (well above the precision of any price in
// the demo or the docs) to drop representation noise such as 0.30000000000000004. This stays in
// the profile because exact sums would need a decimal partial sum in the store ports (NumericRow
// carries `sum: number`), which is a store change, not a query-model option.

export function decimalString(value: number, places = 10): string {
  if (!Number.isFinite(value)) return '0';
  const fixed = value.toFixed(places);
  const trimmed = fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
  return trimmed === '-0' ? '0' : trimmed;
}
