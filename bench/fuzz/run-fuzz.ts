import { Worker } from 'node:worker_threads';
import { prng } from '../../test/support/prng.js';
import { httpCaseGenerator } from './http-cases.js';
import { HttpTarget } from './http-target.js';
import { loadRuleCorpus } from './rule-corpus.js';
import { mutateRule } from './rule-mutator.js';
import type { RuleOutcome } from './rule-target.js';

/** What a fuzz run needs. */
export interface FuzzOptions {
  /** Repository root (rule corpus). */
  readonly root: string;
  readonly inputs: number;
  readonly seed: number;
  /** Share of inputs that are rule files (the rest are HTTP requests); default 0.5. */
  readonly ruleShare?: number;
  /** No answer within this is a hang (default 30 s, generous for a loaded machine). */
  readonly hangMs?: number;
  /** Told of each defect as it is found. */
  readonly onDefect?: (line: string) => void;
}

/** The figures of a fuzz run; crashes, hangs, 5xx and unstable must all be 0. */
export interface FuzzFigures {
  readonly inputs: number;
  readonly crashes: number;
  readonly hangs: number;
  readonly '5xx': number;
  /** Rule files whose `fmt` output did not parse back to the same AST or was not stable. */
  readonly unstable: number;
  readonly seed: number;
  readonly rule_inputs: number;
  readonly rules_parsed: number;
  readonly rules_compiled: number;
  readonly http_inputs: number;
  /** HTTP answers by status class, and connections closed early (e.g. mid-upload after a 413). */
  readonly http_2xx: number;
  readonly http_4xx: number;
  readonly http_resets: number;
  readonly by_status: Readonly<Record<string, number>>;
}

/** Runs rule inputs in a worker thread so a hang can be seen and the worker replaced. */
class RuleRunner {
  private worker: Worker | undefined;

  constructor(private readonly hangMs: number) {}

  run(text: string): Promise<RuleOutcome | 'hang' | { crash: string }> {
    this.worker ??= new Worker(new URL('./rule-worker.js', import.meta.url));
    const worker = this.worker;
    return new Promise((resolve) => {
      const finish = (o: RuleOutcome | 'hang' | { crash: string }): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        if (o === 'hang' || 'crash' in o) {
          this.worker = undefined;
          void worker.terminate();
        }
        resolve(o);
      };
      const onMessage = (o: RuleOutcome): void => finish(o);
      const onError = (e: Error): void => finish({ crash: `${e.name}: ${e.message}` });
      const timer = setTimeout(() => finish('hang'), this.hangMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.postMessage(text);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
  }
}

/**
 * Fuzzes vigil with `inputs` seeded inputs: mutated rule files into parse, check, compile
 * and `fmt`, and hostile HTTP requests into a real `vigil run`. The same seed always
 * produces the same inputs.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzFigures> {
  const rnd = prng(options.seed);
  const hangMs = options.hangMs ?? 30_000;
  const corpus = loadRuleCorpus(options.root);
  if (corpus.length === 0) throw new Error('no rule corpus found');
  const ruleShare = options.ruleShare ?? 0.5;
  const target = new HttpTarget({ hangMs });
  const rules = new RuleRunner(hangMs);
  const nextCase = httpCaseGenerator(rnd, { bodyLimit: target.bodyLimit });
  const defect = (line: string): void => options.onDefect?.(line);
  const f = { crashes: 0, hangs: 0, s5xx: 0, unstable: 0, ruleInputs: 0, parsed: 0, compiled: 0, httpInputs: 0, h2xx: 0, h4xx: 0, resets: 0 };
  const byStatus: Record<string, number> = {};
  await target.start();
  try {
    for (let i = 0; i < options.inputs; i++) {
      if (rnd() < ruleShare) {
        f.ruleInputs++;
        const text = mutateRule(corpus[Math.floor(rnd() * corpus.length)]!, rnd, corpus);
        const o = await rules.run(text);
        if (o === 'hang') {
          f.hangs++;
          defect(`rule input ${i}: no answer within ${hangMs} ms: ${JSON.stringify(text.slice(0, 300))}`);
        } else if ('crash' in o) {
          f.crashes++;
          defect(`rule input ${i}: worker died: ${o.crash}`);
        } else {
          if (o.parsed) f.parsed++;
          if (o.compiled) f.compiled++;
          if (o.threw !== undefined) {
            f.crashes++;
            defect(`rule input ${i}: ${o.threw}: ${JSON.stringify(text.slice(0, 300))}`);
          }
          if (o.unstable !== undefined) {
            f.unstable++;
            defect(`rule input ${i}: ${o.unstable}: ${JSON.stringify(text.slice(0, 300))}`);
          }
        }
      } else {
        f.httpInputs++;
        const c = nextCase();
        const o = await target.send(c);
        const what = `http input ${i} (${c.kind}, ${c.method} ${c.path.slice(0, 80)}, ${c.body?.length ?? 0} bytes)`;
        if ('crash' in o) {
          f.crashes++;
          defect(`${what}: ${o.crash}`);
        } else if ('hang' in o) {
          f.hangs++;
          defect(`${what}: no answer within ${hangMs} ms`);
        } else if ('reset' in o) {
          f.resets++;
        } else {
          byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
          if (o.status >= 500) {
            f.s5xx++;
            defect(`${what}: HTTP ${o.status}`);
          } else if (o.status >= 400) f.h4xx++;
          else if (o.status >= 200 && o.status < 300) f.h2xx++;
        }
      }
    }
    if (!(await target.healthy())) {
      f.crashes++;
      defect('vigil does not answer /healthz after the run');
    }
  } finally {
    await rules.close();
    await target.stop();
  }
  return {
    inputs: options.inputs,
    crashes: f.crashes,
    hangs: f.hangs,
    '5xx': f.s5xx,
    unstable: f.unstable,
    seed: options.seed,
    rule_inputs: f.ruleInputs,
    rules_parsed: f.parsed,
    rules_compiled: f.compiled,
    http_inputs: f.httpInputs,
    http_2xx: f.h2xx,
    http_4xx: f.h4xx,
    http_resets: f.resets,
    by_status: byStatus,
  };
}
