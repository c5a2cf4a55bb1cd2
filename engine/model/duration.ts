/**
 * Durations as the rule language writes them (`500ms`, `1h30m`): the one place that reads
 * and writes them, for the lexer and grammar, the printer, the configuration, rule tests and
 * the CLI, so every place reads `--end +10m` the same way.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
/** Units from the largest down, for the canonical spelling. */
const UNITS_DOWN = ['w', 'd', 'h', 'm', 's', 'ms'] as const;

/** The form of a duration as a regular-expression source, unanchored: the lexer and the configuration schema build on it. */
export const DURATION_SOURCE = '(?:[0-9]+(?:ms|s|m|h|d|w))+';

const WHOLE = new RegExp(`^${DURATION_SOURCE}$`);
const PART = /([0-9]+)(ms|s|m|h|d|w)/g;

/**
 * Milliseconds of text already known to have the form of a duration (a lexer token, a value
 * the configuration schema checked): the sum of its parts, however large. The checker, not
 * this, says which lengths are allowed.
 */
export function durationMs(text: string): number {
  let ms = 0;
  for (const m of text.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms;
}

/** Milliseconds of a duration such as `1h30m`, or undefined when it is not one or too long to count exactly. */
export function parseDuration(text: string): number | undefined {
  if (!WHOLE.test(text)) return undefined;
  const ms = durationMs(text);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** The canonical spelling of a duration, largest units first: 90000 → `1m30s`, 500 → `500ms`, 0 → `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const unit of UNITS_DOWN) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
