import { compileLinearRegex, linearRegexProblem, type LinearRegex } from './linear-regex.js';

/**
 * Ad-hoc silences from the API, beside the `maintenance` windows kept in git: the same
 * shape as Alertmanager's (matchers on labels, a start and an end, who and why).
 */

/** One label matcher: equality or a regular expression, possibly negated. */
export interface Matcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

export interface Silence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: number;
  readonly endsAt: number;
  readonly createdBy: string;
  readonly comment: string;
  readonly createdAt: number;
  /** Set when deleted (expired early) through the API. */
  expiredAt: number | null;
  /** Channels told when the silence ends while alerts it matches still fire (absent: none). */
  readonly notify?: readonly string[];
}

/**
 * Compiled matcher patterns, by matcher: a silence is plain data (journaled, snapshotted), so
 * its regular expressions are compiled on first use and kept while the matcher lives.
 */
const compiled = new WeakMap<Matcher, LinearRegex>();
const NEVER: LinearRegex = { test: () => false };

function regexOf(m: Matcher): LinearRegex {
  let re = compiled.get(m);
  if (re === undefined) {
    // Alertmanager anchors regular expressions to the whole value (RE2 syntax, as there).
    // A pattern RE2 refuses can only come from a journal written before vigil used RE2:
    // it matches nothing rather than stopping the replay.
    re = linearRegexProblem({ pattern: m.value }) === undefined ? compileLinearRegex({ pattern: m.value, whole: true }) : NEVER;
    compiled.set(m, re);
  }
  return re;
}

/** True when the matcher accepts this label value (a missing label is the empty value). */
export function matcherAccepts(m: Matcher, v: string): boolean {
  const hit = m.isRegex ? regexOf(m).test(v) : v === m.value;
  return hit === m.isEqual;
}

function matches(m: Matcher, labels: Readonly<Record<string, string>>): boolean {
  return matcherAccepts(m, labels[m.name] ?? '');
}

/** True when every matcher matches the labels. */
export function silenceMatches(s: Silence, labels: Readonly<Record<string, string>>): boolean {
  return s.matchers.every((m) => matches(m, labels));
}

/** True while the silence is in force at `time`. */
export function silenceActive(s: Silence, time: number): boolean {
  return s.expiredAt === null && time >= s.startsAt && time < s.endsAt;
}

/** Checks matchers from the API: names and values present, regular expressions that RE2 compiles. */
export function checkMatchers(matchers: readonly Matcher[]): string | undefined {
  if (matchers.length === 0) return 'a silence needs at least one matcher';
  for (const m of matchers) {
    if (m.name === '') return 'a matcher needs a label name';
    if (m.isRegex) {
      const problem = linearRegexProblem({ pattern: m.value });
      if (problem !== undefined) return `matcher ${m.name}: invalid regular expression (RE2 syntax): ${problem}`;
    }
  }
  return undefined;
}
