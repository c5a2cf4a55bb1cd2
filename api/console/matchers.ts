import type { SilenceView } from './types.js';

/**
 * Whether a silence's matchers hold for a label set, as the engine decides it: every
 * matcher must hold; a regex is anchored to the whole value; a missing label is ''. The
 * engine matches RE2 syntax; for the patterns vigil accepts, JavaScript's RegExp reads the
 * same, so the page can show what a silence currently matches without asking the server.
 */
export function silenceMatchesLabels(silence: Pick<SilenceView, 'matchers'>, labels: Readonly<Record<string, string>>): boolean {
  for (const m of silence.matchers) {
    const value = labels[m.name] ?? '';
    let hit: boolean;
    if (m.isRegex) {
      try {
        hit = new RegExp(`^(?:${m.value})$`, 'u').test(value);
      } catch {
        return false;
      }
    } else hit = value === m.value;
    if (hit !== (m.isEqual ?? true)) return false;
  }
  return true;
}
