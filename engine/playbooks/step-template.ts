/**
 * `{label}` substitution in playbook steps: values come from the alert's labels only, never
 * from event text, and each must match the allow-list below or the step is refused. Steps
 * never go through a shell, so this is the second wall, not the only one.
 */

/** What a substituted value may contain (language spec). */
export const SAFE_VALUE = /^[A-Za-z0-9._:@/-]+$/;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** Thrown when a step cannot be filled in safely. */
export class RefusedValue extends Error {}

/** Fills `{label}` placeholders from `labels`; refuses unknown labels and unsafe values. */
export function fillStepTemplate(text: string, labels: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => {
    const value = Object.hasOwn(labels, name) ? labels[name] : undefined;
    if (value === undefined) throw new RefusedValue(`label {${name}} is not set on the alert`);
    if (!SAFE_VALUE.test(value)) throw new RefusedValue(`label {${name}} has a value outside the allowed characters [A-Za-z0-9._:@/-]`);
    return value;
  });
}
