/**
 * A real Prometheus node exporter (Debian package `prometheus-node-exporter`, 1.5) on
 * 127.0.0.1 at a free port: the scrape target of the scrape tests.
 */

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { trackChild } from './children.js';
import { ensurePackages, packageFor } from './debian-packages.js';
import { freePort } from './ports.js';

export const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

/** A running node exporter. */
export interface NodeExporter {
  /** `127.0.0.1:port`, as a scrape target. */
  readonly hostPort: string;
  output(): string;
  stop(): Promise<void>;
}

/** Starts a node exporter and waits until `/metrics` answers (limit 60 s, for a loaded machine). */
export async function startNodeExporter(): Promise<NodeExporter> {
  await ensurePackages([packageFor(NODE_EXPORTER)]);
  const port = await freePort();
  const hostPort = `127.0.0.1:${port}`;
  const child = spawn(NODE_EXPORTER, [`--web.listen-address=${hostPort}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  trackChild(child);
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  const exited = once(child, 'exit');
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`node exporter exited with ${child.exitCode}:\n${output.slice(-3000)}`);
    const ok = await fetch(`http://${hostPort}/metrics`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`node exporter did not answer within 60 s:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    hostPort,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
