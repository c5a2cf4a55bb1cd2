/**
 * Esper in a JVM of its own, driven line by line: its jars come from Maven Central (the pom
 * beside EsperBench.java), the one Java file runs in source-file mode, and each `run` sends
 * a workload's EPL and events file and gets back the seconds and the firing count per rule.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fetchJars } from '../../test/support/maven.js';

/** The repository root, from dist/bench/esper/ or bench/esper/. */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), fileURLToPath(import.meta.url).includes('/dist/') ? '../../..' : '../..');
const SOURCE_DIR = join(ROOT, 'bench', 'esper');
const LIBS_DIR = join(ROOT, 'node_modules', '.cache', 'vigil-bench', 'esper-libs');

/** What one Esper run reports. */
export interface EsperResult {
  readonly scenario: string;
  readonly seconds: number;
  readonly events: number;
  readonly fires: Readonly<Record<string, number>>;
}

/** A running Esper driver. */
export interface EsperProcess {
  run(scenario: string, eplFile: string, eventsFile: string): Promise<EsperResult>;
  stop(): Promise<void>;
}

/** Starts the driver (fetching Esper's jars on first use) and waits until it is ready. */
export async function startEsper(options: { heapMb?: number } = {}): Promise<EsperProcess> {
  const libs = await fetchJars({ pom: join(SOURCE_DIR, 'pom.xml'), cacheDir: LIBS_DIR });
  const jars = (await readdir(libs)).filter((f) => f.endsWith('.jar')).sort();
  const heap = options.heapMb ?? 4096;
  const child: ChildProcessWithoutNullStreams = spawn(
    'java',
    [`-Xms${Math.min(1024, heap)}m`, `-Xmx${heap}m`, '-XX:+UseParallelGC', '-cp', jars.map((j) => join(libs, j)).join(':'), join(SOURCE_DIR, 'EsperBench.java')],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-8000)));
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = [];
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`Esper exited (${code}): ${stderr}`));
  });
  const nextLine = () => new Promise<string>((resolve, reject) => waiting.push({ resolve, reject }));
  const ready = JSON.parse(await nextLine()) as { ready?: boolean };
  if (ready.ready !== true) throw new Error(`Esper did not start: ${stderr}`);
  return {
    async run(scenario, eplFile, eventsFile) {
      const answer = nextLine();
      child.stdin.write(`run ${scenario} ${eplFile} ${eventsFile}\n`);
      return JSON.parse(await answer) as EsperResult;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      await exited;
    },
  };
}
