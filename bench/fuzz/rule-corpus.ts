import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Declarations the grammar tests quote, one `'...'` string each, starting with a keyword. */
const QUOTED_DECL = /'((?:rule|channel|check|playbook|maintenance|inhibit) (?:[^'\\\n]|\\.)*)'/g;

/**
 * The seed texts rule mutations start from: every shipped `.vigil` file (rules/examples,
 * examples/) and the declarations quoted in the grammar and parser tests, so the fuzzer
 * starts from valid programs over the whole language.
 */
export function loadRuleCorpus(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.vigil')) out.push(readFileSync(file, 'utf8'));
    }
  };
  walk(path.join(root, 'rules', 'examples'));
  walk(path.join(root, 'examples'));
  for (const name of ['grammar.test.ts', 'parse.test.ts', 'check.test.ts']) {
    let source: string;
    try {
      source = readFileSync(path.join(root, 'test', 'rules', name), 'utf8');
    } catch {
      continue;
    }
    for (const m of source.matchAll(QUOTED_DECL)) {
      // The quoted text is a TypeScript string: undo its escapes the way the test sees it.
      out.push(m[1]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c)));
    }
  }
  return out;
}
