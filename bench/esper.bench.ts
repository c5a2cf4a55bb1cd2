/**
 * vigil beside Esper 8.9, the reference CEP engine: the same events through the same rules
 * written in both languages, three workloads ((a) 1,000 filter rules, (b) 1,000 mixed rules
 * of the shipped kinds, (c) `avg over 1m by host` over 100,000 hosts), three rounds
 * alternating between the engines. Both count alert firings per rule and must agree, so
 * neither wins by doing less. Prints events/s (fastest of three; the machine is shared and
 * other work only ever slows a run down) and the last line JSON
 * `{"esper_eps":{...},"vigil_eps":{...},"ratio":{...},"agree":true}`.
 * Run: `npm run bench:esper` (VIGIL_BENCH_EVENTS to change the million events).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEsper } from './esper/esper-process.js';
import { BENCH_SIZES, eventLines, scenarios } from './esper/scenarios.js';
import { disagreements, vigilRunner } from './esper/vigil-run.js';

const ROUNDS = 3;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const events = Number(process.env.VIGIL_BENCH_EVENTS ?? BENCH_SIZES.events);
  const all = scenarios({ ...BENCH_SIZES, events });
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-esper-'));
  const esper = await startEsper();
  const esperEps: Record<string, number> = {};
  const vigilEps: Record<string, number> = {};
  const ratio: Record<string, number> = {};
  let agree = true;
  try {
    for (const s of all) {
      const eplFile = path.join(dir, `${s.name}.epl`);
      const eventsFile = path.join(dir, `${s.name}.events`);
      await writeFile(eplFile, s.epl);
      await writeFile(eventsFile, eventLines(s.events));
      const runVigil = vigilRunner(s);
      const esperSeconds: number[] = [];
      const vigilSeconds: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const e = await esper.run(s.name, eplFile, eventsFile);
        const v = runVigil();
        esperSeconds.push(e.seconds);
        vigilSeconds.push(v.seconds);
        const diff = disagreements(e.fires, v.fires);
        if (diff.length > 0) {
          agree = false;
          console.log(`${s.name} round ${round + 1}: ${diff.length} rules disagree (Esper vs vigil), e.g. ${diff.slice(0, 5).join(', ')}`);
        }
        const fired = Object.values(v.fires).reduce((a, b) => a + b, 0);
        console.log(`${s.name} round ${round + 1}: Esper ${fmt(s.events.length / e.seconds)} events/s, vigil ${fmt(s.events.length / v.seconds)} events/s (${fmt(fired)} firings)`);
      }
      esperEps[s.name] = Math.round(s.events.length / Math.min(...esperSeconds));
      vigilEps[s.name] = Math.round(s.events.length / Math.min(...vigilSeconds));
      ratio[s.name] = Math.round((vigilEps[s.name]! / esperEps[s.name]!) * 100) / 100;
      console.log(`${s.name}: Esper ${fmt(esperEps[s.name]!)} events/s, vigil ${fmt(vigilEps[s.name]!)} events/s, vigil/Esper ${ratio[s.name]}`);
    }
  } finally {
    await esper.stop();
    await rm(dir, { recursive: true, force: true });
  }
  console.log(JSON.stringify({ esper_eps: esperEps, vigil_eps: vigilEps, ratio, agree }));
}

await main();
