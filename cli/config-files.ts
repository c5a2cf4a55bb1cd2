import path from 'node:path';
import { DURATION_SOURCE, durationMs } from '../engine/model/duration.js';
import type { FileSourceOptions } from '../ingest/files/file-source.js';

/** One `files` entry of `vigil.yaml`, after defaults: a glob of files tailed into a stream. */
export interface FilesConfigEntry {
  /** A path or glob (`/var/log/app/*.log`); a relative one is read from the working directory. */
  readonly path: string;
  readonly stream: string;
  readonly format: 'text' | 'json' | 'logfmt';
  /** A line matching `start` (RE2) begins a record; `timeout` of quiet ends the last one. */
  readonly multiline?: { readonly start: string; readonly timeout: string };
  /** How often the glob is listed and rotation checked. */
  readonly pollInterval: string;
  /** How long a rotated-away or deleted file is still read after its last bytes. */
  readonly rotateWait: string;
}

/** The `files` section: the files vigil tails. */
export type FilesConfig = readonly FilesConfigEntry[];

const durationPattern = `^${DURATION_SOURCE}$`;

/** JSON Schema of the `files` section. */
export const filesConfigSchema = {
  type: 'array',
  default: [],
  items: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1 },
      stream: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', default: 'logs' },
      format: { enum: ['text', 'json', 'logfmt'], default: 'text' },
      multiline: {
        type: 'object',
        additionalProperties: false,
        required: ['start'],
        properties: {
          start: { type: 'string', minLength: 1 },
          timeout: { type: 'string', pattern: durationPattern, default: '1s' },
        },
      },
      pollInterval: { type: 'string', pattern: durationPattern, default: '250ms' },
      rotateWait: { type: 'string', pattern: durationPattern, default: '5s' },
    },
  },
} as const;

/**
 * The file source's options from the `files` section, or undefined when it is empty. The
 * shortest poll interval and longest rotation wait of the entries apply to all of them.
 */
export function fileSourceOptions(files: FilesConfig, cwd = process.cwd()): FileSourceOptions | undefined {
  if (files.length === 0) return undefined;
  return {
    inputs: files.map((f) => ({
      path: path.resolve(cwd, f.path),
      stream: f.stream,
      format: f.format,
      ...(f.multiline === undefined ? {} : { multiline: { start: f.multiline.start, timeoutMs: durationMs(f.multiline.timeout) } }),
    })),
    pollIntervalMs: Math.min(...files.map((f) => durationMs(f.pollInterval))),
    rotateWaitMs: Math.max(...files.map((f) => durationMs(f.rotateWait))),
  };
}
