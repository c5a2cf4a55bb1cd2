/** Words and symbols of the rule language, for token-level mutations. */
const TOKENS = [
  'rule', 'channel', 'check', 'playbook', 'maintenance', 'inhibit', 'when', 'for', 'by', 'then', 'not', 'and', 'or', 'in',
  'latest', 'absent', 'count', 'of', 'over', 'is', 'within', 'step', 'exec', 'notify', 'after', 'labels', 'where', 'quiet',
  'changed', 'repeat', 'severity', 'summary', 'run', 'keep', 'avg', 'max', 'min', 'sum', 'p99', 'rate', 'webhook', 'email',
  '{', '}', '(', ')', '[', ']', ',', '.', '==', '!=', '=~', '!~', '<', '<=', '>', '>=', '-', '+', '*', '/', '"s"', '""', '"{host}"',
  '5m', '0s', '999999999d', '1.5', '1e309', '-0', '09:00-10:00', '$h', '#c\n', '@', '"', '\n', '\\', 'env(X)', '\u0000', '😀',
];

/** Hostile byte sequences spliced in whole. */
const SPLICES = ['"unterminated', '{'.repeat(200), '('.repeat(500), '-'.repeat(300), 'not '.repeat(300), '\r\n', '\ufeff', '\ud800', '"\\u0000"'];

const SAME_KIND: readonly (readonly string[])[] = [
  ['0', '1', '-1', '0.5', '1e21', '1e-7', '99999999999999999999', '3', '100'],
  ['0s', '1s', '500ms', '5m', '1h', '7d', '366d', '400d', '1w'],
  ['"a"', '""', '"{host}"', '"{nope}"', '"\\"', '"é ✓ 😀"', '"line\nbreak"', '"^("', '".*"'],
  ['==', '!=', '<', '<=', '>', '>=', '=~', '!~'],
  ['host', 'value', 'status', 'level', 'for', 'by', 'then', 'i', 'latest', 'x', 'labels', 'a.b.c'],
];
const SAME_KIND_RE = [/-?\b\d+(?:\.\d+)?(?:e-?\d+)?\b(?![a-z])/g, /\b\d+(?:ms|s|m|h|d|w)\b/g, /"(?:[^"\\\n]|\\.)*"/g, /==|!=|<=|>=|=~|!~|<|>/g, /\b[a-z_][a-z0-9_]*\b/g];

/** Replaces one number, duration, string, comparison or name by another of its kind. */
function sameKindSwap(s: string, rnd: () => number): string {
  const k = Math.floor(rnd() * SAME_KIND.length);
  const found = [...s.matchAll(SAME_KIND_RE[k]!)];
  if (found.length === 0) return s;
  const m = found[Math.floor(rnd() * found.length)]!;
  const choices = SAME_KIND[k]!;
  return s.slice(0, m.index) + choices[Math.floor(rnd() * choices.length)]! + s.slice(m.index! + m[0].length);
}

/**
 * One mutation of a rule file: a few byte- or token-level edits (delete, insert, duplicate,
 * swap, replace a token, splice a hostile sequence, truncate), chosen by `rnd`, so the
 * same seed always gives the same input.
 */
export function mutateRule(text: string, rnd: () => number, donors: readonly string[]): string {
  const int = (n: number): number => Math.floor(rnd() * n);
  let s = text;
  // Mostly one edit, so many mutants still parse and reach the checker, compiler and fmt.
  const edits = rnd() < 0.6 ? 1 : 1 + int(4);
  for (let e = 0; e < edits; e++) {
    if (rnd() < 0.35) {
      s = sameKindSwap(s, rnd);
      continue;
    }
    const at = int(s.length + 1);
    const len = 1 + int(Math.min(40, Math.max(1, s.length - at)));
    switch (int(9)) {
      case 0:
        s = s.slice(0, at) + s.slice(at + len);
        break;
      case 1:
        s = s.slice(0, at) + TOKENS[int(TOKENS.length)]! + ' ' + s.slice(at);
        break;
      case 2:
        s = s.slice(0, at) + s.slice(at, at + len) + s.slice(at);
        break;
      case 3: {
        // Replace one word with another token.
        const words = [...s.matchAll(/[A-Za-z_][A-Za-z0-9_]*|[0-9.]+[a-z]*|"[^"\n]*"/g)];
        if (words.length === 0) break;
        const w = words[int(words.length)]!;
        s = s.slice(0, w.index) + TOKENS[int(TOKENS.length)]! + s.slice(w.index! + w[0].length);
        break;
      }
      case 4:
        s = s.slice(0, at) + String.fromCharCode(int(0x80) || 0x7f) + s.slice(at + (rnd() < 0.5 ? 1 : 0));
        break;
      case 5:
        s = s.slice(0, at) + SPLICES[int(SPLICES.length)]! + s.slice(at);
        break;
      case 6:
        s = s.slice(0, at);
        break;
      case 7: {
        // Cross-over: a slice of another corpus file.
        const donor = donors[int(donors.length)] ?? '';
        const from = int(donor.length + 1);
        s = s.slice(0, at) + donor.slice(from, from + 1 + int(120)) + s.slice(at);
        break;
      }
      default: {
        // Swap two lines.
        const lines = s.split('\n');
        const i = int(lines.length);
        const j = int(lines.length);
        [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join('\n');
      }
    }
  }
  return s;
}
