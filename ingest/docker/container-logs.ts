/**
 * Follows one container's stdout and stderr (`/containers/{id}/logs?follow=1`), each line
 * a log event, from a given time on, until the container stops or the follower is
 * aborted. Lines carry the engine's timestamps (`timestamps=1`), so a follower started
 * again after a reconnect continues after the last line it read.
 */

import type { EngineClient } from './engine-client.js';
import { createLogFrameDecoder, type LogLine } from './log-frames.js';

/** What `followContainerLogs` needs. */
export interface ContainerLogsOptions {
  readonly client: EngineClient;
  readonly id: string;
  /** Epoch ms of the first line wanted. */
  readonly sinceMs: number;
  /**
   * Read the container's current run from its start (`State.StartedAt`, to the second)
   * instead of from `sinceMs`: a process writes its first lines before the engine reports
   * its start.
   */
  readonly fromRunStart?: boolean;
  /** One decoded line with the engine's time of it (epoch ms; undefined when the prefix is missing). */
  readonly onLine: (line: LogLine, timeMs: number | undefined) => void;
  readonly signal: AbortSignal;
}

/** `2026-12-03T14:31:50.123456789Z rest`: the RFC 3339 time the engine puts in front. */
const STAMP = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?/;

/** Splits the engine's timestamp off a line. */
export function splitTimestamp(text: string): { timeMs: number | undefined; text: string } {
  const m = STAMP.exec(text);
  if (m === null) return { timeMs: undefined, text };
  // Date.parse takes milliseconds at most: cut the fraction to three digits.
  const ms = Date.parse(m[1]!.replace(/(\.\d{3})\d+/, '$1'));
  return { timeMs: Number.isFinite(ms) ? ms : undefined, text: text.slice(m[0].length) };
}

/**
 * Reads the container's log stream until it ends (the container stopped) or `signal`
 * aborts. Resolves with the time of the last line read; rejects when the engine refuses
 * or the connection breaks.
 */
export async function followContainerLogs(options: ContainerLogsOptions): Promise<number | undefined> {
  const { client, id, onLine, signal } = options;
  const inspected = (await client.getJson(`/containers/${encodeURIComponent(id)}/json`, signal)) as { Config?: { Tty?: unknown }; State?: { StartedAt?: unknown } };
  // A TTY container's log is one raw stream; every other one is multiplexed in frames.
  const tty = inspected?.Config?.Tty === true;
  let sinceMs = options.sinceMs;
  const startedAt = inspected?.State?.StartedAt;
  if (options.fromRunStart && typeof startedAt === 'string') {
    const runStartMs = splitTimestamp(`${startedAt} `).timeMs;
    // Whole seconds: Podman stamps log lines to the second only.
    if (runStartMs !== undefined && runStartMs > 0) sinceMs = Math.floor(runStartMs / 1000) * 1000;
  }
  const since = (sinceMs / 1000).toFixed(3);
  const res = await client.openStream(`/containers/${encodeURIComponent(id)}/logs?follow=1&stdout=1&stderr=1&timestamps=1&since=${since}`, signal);
  const decoder = createLogFrameDecoder(!tty);
  let last: number | undefined;
  return new Promise((resolve, reject) => {
    res.on('data', (chunk: Buffer) => {
      let lines: LogLine[];
      try {
        lines = decoder.push(chunk);
      } catch (e) {
        res.destroy(e as Error);
        return;
      }
      for (const line of lines) {
        const { timeMs, text } = splitTimestamp(line.text);
        if (timeMs !== undefined) last = timeMs;
        onLine({ ...line, text }, timeMs);
      }
    });
    res.on('end', () => resolve(last));
    res.on('error', (e) => (signal.aborted ? resolve(last) : reject(e)));
    res.on('close', () => {
      if (signal.aborted) resolve(last);
      else if (!res.complete) reject(new Error('the log stream broke'));
    });
  });
}
