/**
 * `npm run fuzz`: mutated rule files into the parser, checker, compiler and `fmt`, and
 * hostile HTTP requests into a real `vigil run` (events as JSON, arrays and NDJSON, posted
 * alerts, silences, incident actions, queries; deep nesting, huge and invalid bodies).
 * Options: `--inputs N` (default 20000), `--seed S` (default 1), `--rules-share F` (0..1).
 * Prints every defect, the figures, and a last JSON line
 * `{"inputs":N,"crashes":0,"hangs":0,"5xx":0,...}`; exits 1 when a defect was found.
 */
import { parseArgs } from 'node:util';
import { ROOT } from '../test/support/cli.js';
import { runFuzz } from './fuzz/run-fuzz.js';

const { values } = parseArgs({ options: { inputs: { type: 'string', default: '20000' }, seed: { type: 'string', default: '1' }, 'rules-share': { type: 'string', default: '0.5' } } });
const inputs = Number(values.inputs);
const seed = Number(values.seed);
const ruleShare = Number(values['rules-share']);
if (!Number.isInteger(inputs) || inputs < 1 || !Number.isInteger(seed) || !(ruleShare >= 0 && ruleShare <= 1)) {
  process.stderr.write('usage: fuzz [--inputs N] [--seed S] [--rules-share 0..1]\n');
  process.exit(2);
}
const started = Date.now();
const figures = await runFuzz({ root: ROOT, inputs, seed, ruleShare, onDefect: (line) => process.stdout.write(`DEFECT ${line}\n`) });
const seconds = (Date.now() - started) / 1000;
process.stdout.write(
  `fuzz: ${figures.inputs} inputs (seed ${seed}) in ${seconds.toFixed(1)} s: ` +
    `${figures.rule_inputs} rule files (${figures.rules_parsed} parsed, ${figures.rules_compiled} compiled), ` +
    `${figures.http_inputs} requests (${figures.http_2xx} 2xx, ${figures.http_4xx} 4xx, ${figures.http_resets} closed early); ` +
    `crashes ${figures.crashes}, hangs ${figures.hangs}, 5xx ${figures['5xx']}, fmt unstable ${figures.unstable}\n`,
);
process.stdout.write(JSON.stringify({ ...figures, seconds: Math.round(seconds) }) + '\n');
process.exitCode = figures.crashes + figures.hangs + figures['5xx'] + figures.unstable > 0 ? 1 : 0;
