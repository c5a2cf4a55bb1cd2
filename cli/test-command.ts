import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AlertChange } from '../engine/model/alert-change.js';
import { ExitStatus } from './exit-status.js';
import { runRuleTest, type Expectation, type RuleTestResult } from './rule-test.js';

/** Every `*.test.yaml` below `dir`, sorted. */
async function findTests(dir: string): Promise<string[]> {
  if (!(await stat(dir)).isDirectory()) return [dir];
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.test.yaml')) out.push(path.join(entry.parentPath ?? entry.path, entry.name));
  }
  return out.filter((f) => !f.split(path.sep).includes('node_modules')).sort();
}

function describeExpected(x: Expectation, start: number): string {
  const labels = Object.entries(x.labels).map(([k, v]) => `${k}=${v}`).join(',');
  return `${offsetOf(x.at, start)} ${x.rule} ${x.state}${labels ? ` {${labels}}` : ''}${'value' in x ? ` value=${JSON.stringify(x.value)}` : ''}`;
}

function describeActual(c: AlertChange, start: number): string {
  const labels = Object.entries(c.labels)
    .filter(([k]) => k !== 'rule' && k !== 'severity')
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return `${offsetOf(c.time, start)} ${c.rule} ${c.state}${labels ? ` {${labels}}` : ''}${c.value !== null ? ` value=${JSON.stringify(c.value)}` : ''}`;
}

/** A time as an offset from the test's start, the way the test file writes it. */
function offsetOf(time: number, start: number): string {
  const ms = time - start;
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** Expected and actual changes in two columns, mismatching rows marked. */
export function sideBySide(result: Extract<RuleTestResult, { passed: false }>): string {
  const left = result.expected.map((x) => describeExpected(x, result.start));
  const right = result.actual.map((c) => describeActual(c, result.start));
  const width = Math.max('expected'.length, ...left.map((l) => l.length));
  const rows = [`    ${'expected'.padEnd(width)} | actual`];
  const n = Math.max(left.length, right.length);
  for (let i = 0; i < n; i++) {
    const l = left[i] ?? '';
    const r = right[i] ?? '';
    const same = i < result.expected.length && i < result.actual.length && sameChange(result.expected[i]!, result.actual[i]!);
    rows.push(`  ${same ? ' ' : '!'} ${l.padEnd(width)} | ${r}`);
  }
  if (n === 0) rows.push(`    ${'(none)'.padEnd(width)} | (none)`);
  return rows.join('\n') + '\n';
}

function sameChange(x: Expectation, c: AlertChange): boolean {
  return (
    x.at === c.time &&
    x.rule === c.rule &&
    x.state === c.state &&
    Object.entries(x.labels).every(([k, v]) => c.labels[k] === v) &&
    (!('value' in x) || x.value === c.value)
  );
}

/**
 * `vigil test DIR`: runs every rule test below DIR; a line per test and `N passed, N failed`.
 * Exit 0 when all pass, 1 otherwise, 2 for a usage error (no DIR, or one that cannot be read).
 */
export async function testCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  if (args.length !== 1 || args[0]!.startsWith('-')) {
    err.write('usage: vigil test DIR\n');
    return ExitStatus.usage;
  }
  let files: string[];
  try {
    files = await findTests(args[0]!);
  } catch (e) {
    err.write(`vigil test: cannot read ${args[0]}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\nusage: vigil test DIR\n`);
    return ExitStatus.usage;
  }
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    const result = await runRuleTest(file);
    if (result.passed) {
      passed++;
      out.write(`ok   ${file}\n`);
      continue;
    }
    failed++;
    out.write(`FAIL ${file}\n`);
    if (result.error !== undefined) out.write(result.error.replace(/^/gm, '    ') + '\n');
    else out.write(sideBySide(result));
  }
  out.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}
