/**
 * `{name}` templates in summaries, labels and playbook steps. A placeholder names a label
 * (or `value`); unknown names render as the empty string so a template never fails at
 * alert time.
 */

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** The placeholder names a template uses, in order of appearance. */
export function templateNames(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Renders `{name}` placeholders from `values`. */
export function renderTemplate(text: string, values: Readonly<Record<string, unknown>>): string {
  if (!text.includes('{')) return text;
  return text.replace(PLACEHOLDER, (_m, name: string) => {
    const v = Object.hasOwn(values, name) ? values[name] : undefined;
    return v === undefined || v === null ? '' : String(v);
  });
}
