import type { Stage } from './stage.js';

/** Drops notifications whose key was already delivered: nothing is sent twice. */
export function dedupStage(options: { isSent: (key: string) => boolean }): Stage {
  return { run: async (batch) => batch.filter((n) => !options.isSent(n.key)) };
}
