import type { ChildProcess } from 'node:child_process';

/** Servers the tests started and that still run. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills `child` if the test process exits without stopping it (a failed test, an abort). */
export function trackChild(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
}
