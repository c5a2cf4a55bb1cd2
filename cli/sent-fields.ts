import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { SentFields } from '../rules/field-warnings.js';

/** The most of one events file read for field names. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * The fields each stream is seen to carry in the events kept next to the rules: the
 * `event:` objects of `*.test.yaml` files and the lines of `*.ndjson` recordings below
 * `dir`. `vigil check` counts them as sent, so a field the rule tests use is not taken for
 * a typo. Files that cannot be read or parsed are passed over (`vigil test` and `vigil
 * replay` report them).
 */
export async function sentFields(dir: string): Promise<SentFields> {
  const sent = new Map<string, Set<string>>();
  const add = (event: unknown): void => {
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return;
    const stream = (event as { stream?: unknown }).stream;
    if (typeof stream !== 'string') return;
    let fields = sent.get(stream);
    if (fields === undefined) sent.set(stream, (fields = new Set()));
    for (const key of Object.keys(event)) fields.add(key);
  };
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return sent;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath ?? entry.path, entry.name);
    if (file.split(path.sep).includes('node_modules')) continue;
    const yaml = entry.name.endsWith('.test.yaml');
    if (!yaml && !entry.name.endsWith('.ndjson')) continue;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue;
    }
    if (text.length > MAX_FILE_BYTES) continue;
    if (yaml) {
      try {
        const doc = parseYaml(text) as { events?: unknown } | null;
        if (Array.isArray(doc?.events)) for (const item of doc.events) add((item as { event?: unknown } | null)?.event);
      } catch {
        // Reported by `vigil test`.
      }
      continue;
    }
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        add(JSON.parse(line));
      } catch {
        // Reported by `vigil replay`.
      }
    }
  }
  return sent;
}
