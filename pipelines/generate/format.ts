/**
 * Value formatting of the CRM exports, as in the real files: numbers always as floats (`33.0`,
 * `235055.0`, `5.04`), flags `0`/`1`, timestamps `YYYY-MM-DD HH:MM:SS` in UTC, empty string for NULL.
 */

/** A number rounded to `decimals` (when given) and written as a float: whole values get `.0`. */
export function float(value: number, decimals?: number): string {
  const rounded = decimals === undefined ? value : roundTo(value, decimals);
  if (!Number.isFinite(rounded)) throw new Error(`float: ${value} is not finite`);
  const text = String(rounded === 0 ? 0 : rounded);
  return Number.isInteger(rounded) ? `${text}.0` : text;
}

export function flag(value: boolean): '0' | '1' {
  return value ? '1' : '0';
}

/** `YYYY-MM-DD HH:MM:SS` of an epoch time in seconds, UTC. */
export function timestamp(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}

/** Epoch seconds of a `YYYY-MM-DD` date at 00:00:00 UTC. */
export function dateEpochSeconds(date: string): number {
  return Date.parse(`${date}T00:00:00Z`) / 1000;
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
