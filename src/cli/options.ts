import { InvalidArgumentError, Option } from 'commander';

/** Commander parser for a whole number >= min; commander names the option in its error. */
export function integerAtLeast(min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
      throw new InvalidArgumentError(`must be a whole number >= ${min}.`);
    }
    return Number(value);
  };
}

export type OutputFormat = 'table' | 'json' | 'csv';

/** `--output`, limited to the formats a command can print; anything else exits non-zero. */
export function outputOption(formats: readonly OutputFormat[]): Option {
  return new Option('--output <format>', 'output format')
    .choices(formats as OutputFormat[])
    .default('table');
}
