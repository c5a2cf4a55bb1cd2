import type { CheckSpec } from '../../../engine/model/check-spec.js';

/** A check spec with test defaults (every 10 s, timeout 2 s) and the given fields. */
export function checkSpec(fields: Partial<CheckSpec> & Pick<CheckSpec, 'kind'>): CheckSpec {
  return { name: `${fields.kind}_check`, target: '', argv: [], everyMs: 10_000, timeoutMs: 2000, ...fields };
}
