/**
 * Java jars for the tests' real servers, fetched from Maven Central with the machine's own
 * `mvn`: the runtime dependencies of a small `pom.xml` are copied into a cache folder once,
 * and later runs use that folder (Maven reuses `~/.m2` for anything it downloads again).
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

/** What to install when `java` or `mvn` is missing (Debian package names). */
export const JAVA_TOOLS_INSTALL = 'apt-get install openjdk-17-jre-headless maven';

/** Where the cache folder records which pom its jars came from. */
const STAMP_FILE = '.pom-sha256';
/** The plugin version is pinned: plain `dependency:` resolves to an old plugin on Maven 3.8. */
const COPY_GOAL = 'org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies';
const FETCH_TIMEOUT_MS = 10 * 60_000;

/** Where `name` is on PATH, or undefined. */
export async function findExecutable(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

/** Throws one error naming every tool of `names` that is not on PATH, and how to install them. */
export async function requireTools(names: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of names) if ((await findExecutable(name)) === undefined) missing.push(name);
  if (missing.length > 0) {
    throw new Error(`the Kafka tests need ${missing.join(' and ')} on PATH; install with: ${JAVA_TOOLS_INSTALL}`);
  }
}

/** What `fetchJars` needs. */
export interface FetchJarsOptions {
  /** A `pom.xml` (packaging `pom`) whose runtime dependencies are the jars wanted. */
  readonly pom: string;
  /** The cache folder the jars end up in (created; replaced when the pom changes). */
  readonly cacheDir: string;
}

async function jarsIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.jar'));
  } catch {
    return [];
  }
}

async function cachedFor(dir: string, digest: string): Promise<boolean> {
  const stamp = await readFile(join(dir, STAMP_FILE), 'utf8').catch(() => '');
  return stamp.trim() === digest && (await jarsIn(dir)).length > 0;
}

function runMaven(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('mvn', args, { timeout: FETCH_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) return resolve();
      reject(new Error(`mvn ${args.join(' ')} failed: ${error.message}\n${`${stdout}${stderr}`.slice(-4000)}`));
    });
  });
}

/**
 * Makes sure `cacheDir` holds the runtime jars of `pom` and returns `cacheDir`. The first
 * call runs `mvn -B -q -f <pom> maven-dependency-plugin:3.6.1:copy-dependencies
 * -DincludeScope=runtime` into a fresh folder and renames it into place, so a concurrent
 * test process never sees half a folder; later calls find the jars and return at once.
 * A missing `java` or `mvn` is one clear error naming what to install.
 */
export async function fetchJars(options: FetchJarsOptions): Promise<string> {
  const { pom, cacheDir } = options;
  const digest = createHash('sha256').update(await readFile(pom)).digest('hex');
  if (await cachedFor(cacheDir, digest)) return cacheDir;

  await requireTools(['java', 'mvn']);
  await mkdir(dirname(cacheDir), { recursive: true });
  const suffix = `${process.pid}-${Date.now().toString(36)}`;
  const fresh = `${cacheDir}.tmp-${suffix}`;
  const old = `${cacheDir}.old-${suffix}`;
  try {
    await runMaven(['-B', '-q', '-f', pom, COPY_GOAL, '-DincludeScope=runtime', `-DoutputDirectory=${fresh}`]);
    if ((await jarsIn(fresh)).length === 0) throw new Error(`mvn copied no jars for ${pom}`);
    await writeFile(join(fresh, STAMP_FILE), `${digest}\n`);
    // Another process may have finished first; its folder is as good as this one.
    if (await cachedFor(cacheDir, digest)) return cacheDir;
    await rename(cacheDir, old).catch(() => {});
    try {
      await rename(fresh, cacheDir);
    } catch (error) {
      if (await cachedFor(cacheDir, digest)) return cacheDir;
      throw error;
    }
    return cacheDir;
  } finally {
    await rm(fresh, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
}
