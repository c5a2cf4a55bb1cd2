/** PRI read from the front of a frame: the value and where the header goes on, or why not. */
export type PriParse = { readonly ok: true; readonly pri: number; readonly next: number } | { readonly ok: false; readonly error: string; readonly at: number };

/**
 * Reads `<PRIVAL>` at the start of `text` (both RFCs): one to three digits, 0-191
 * (facility × 8 + severity).
 */
export function parsePri(text: string): PriParse {
  if (text.charCodeAt(0) !== 0x3c) return { ok: false, error: 'does not start with <PRI>', at: 0 };
  let pri = 0;
  let i = 1;
  for (; i < text.length && i <= 4; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    pri = pri * 10 + (c - 0x30);
  }
  if (i === 1 || i > 4 || text.charCodeAt(i) !== 0x3e) return { ok: false, error: 'PRI is not <0> to <191>', at: i };
  if (pri > 191) return { ok: false, error: `PRI ${pri} is over 191`, at: 1 };
  return { ok: true, pri, next: i + 1 };
}
