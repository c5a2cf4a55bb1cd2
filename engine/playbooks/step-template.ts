/**
 * `{label}` substitution in playbook steps: values come from the alert's labels only, never
 * from event text, and each must match the allow-list below or the step is refused. Steps
 * never go through a shell, so this is the second wall, not the only one.
 */

/** What a substituted value may contain (language spec). */
export const SAFE_VALUE = /^[A-Za-z0-9._:@/-]+$/;

/** What a value substituted into a URL's scheme and authority may contain: no `/`, `@`, `?` or `#`. */
const SAFE_AUTHORITY_VALUE = /^[A-Za-z0-9._:-]+$/;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** Thrown when a step cannot be filled in safely. */
export class RefusedValue extends Error {}

/**
 * Why `value` may not be substituted, or undefined when it may. Besides the allow-list: a
 * `..` path segment (`..`, `../x`, `x/..`) would leave the folder a step names, and a
 * leading `-` would be read as an option by the program (`touch -f`, `ssh -oProxyCommand`).
 */
export function unsafeValue(value: string): string | undefined {
  if (value === '') return 'is empty';
  if (!SAFE_VALUE.test(value)) return 'has a value outside the allowed characters [A-Za-z0-9._:@/-]';
  if (value.startsWith('-')) return 'starts with "-" (it would be read as an option)';
  if (value.split('/').includes('..')) return 'has a ".." path segment';
  return undefined;
}

/** The label's value, checked; throws `RefusedValue` naming the label. */
function checkedValue(name: string, labels: Readonly<Record<string, string>>): string {
  const value = Object.hasOwn(labels, name) ? labels[name] : undefined;
  if (value === undefined) throw new RefusedValue(`label {${name}} is not set on the alert`);
  const problem = unsafeValue(value);
  if (problem !== undefined) throw new RefusedValue(`label {${name}} ${problem}`);
  return value;
}

/** Fills `{label}` placeholders from `labels`; refuses unknown labels and unsafe values. */
export function fillStepTemplate(text: string, labels: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_m, name: string) => checkedValue(name, labels));
}

/**
 * Fills the placeholders of an `http` step's URL so that no value can change where the
 * request goes: in the scheme and authority (`http://{host}:8080`) a value may not hold
 * `/`, `@`, `?` or `#`; after them (path, query, fragment) each value is percent-encoded
 * as one component, so it cannot add segments, a query or a fragment. Values are checked
 * as `fillStepTemplate` checks them.
 */
export function fillUrlTemplate(url: string, labels: Readonly<Record<string, string>>): string {
  const authorityEnd = authorityEndOf(url);
  return url.replace(PLACEHOLDER, (_m, name: string, offset: number) => {
    const value = checkedValue(name, labels);
    if (offset >= authorityEnd) return encodeURIComponent(value);
    if (!SAFE_AUTHORITY_VALUE.test(value)) {
      throw new RefusedValue(`label {${name}} would change the URL's host (only [A-Za-z0-9._:-] may go there)`);
    }
    return value;
  });
}

/** Where the scheme and authority of a URL template end (the first `/`, `?` or `#` after `scheme://`). */
function authorityEndOf(url: string): number {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(url);
  const from = scheme === null ? 0 : scheme[0].length;
  for (let i = from; i < url.length; i++) {
    const c = url[i];
    if (c === '/' || c === '?' || c === '#') return i;
  }
  return url.length;
}
