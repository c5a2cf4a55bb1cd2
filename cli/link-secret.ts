import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The secret that signs one-click links: `VIGIL_LINK_SECRET` when set (so several instances
 * share it), otherwise 32 random bytes kept in `link-secret` in the data folder (mode 0600),
 * so links sent before a restart still work after it.
 */
export async function loadLinkSecret(options: { readonly data: string; readonly env: Readonly<Record<string, string | undefined>> }): Promise<Buffer> {
  const fromEnv = options.env.VIGIL_LINK_SECRET;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (Buffer.byteLength(fromEnv) < 16) throw new Error('VIGIL_LINK_SECRET must be at least 16 bytes');
    return Buffer.from(fromEnv, 'utf8');
  }
  const file = path.join(options.data, 'link-secret');
  try {
    const text = (await readFile(file, 'utf8')).trim();
    if (text.length >= 32) return Buffer.from(text, 'hex');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(options.data, { recursive: true });
  const secret = randomBytes(32);
  await writeFile(file, secret.toString('hex') + '\n', { mode: 0o600 });
  return secret;
}
