/**
 * The Debian packages the tests run real servers and tools from, and one installer for
 * them. `npm test` runs `install-test-packages.js` once before any test file starts, so
 * test files running in parallel never race on apt-get (one installing while another
 * already runs the program). The launchers still call `ensurePackages` for the one they
 * need, for a test file run alone; apt-get then waits for dpkg's lock instead of failing.
 */

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A program a test needs and the Debian package that ships it. */
export interface TestPackage {
  readonly program: string;
  readonly deb: string;
}

/** Every program the test suite starts, by the package that holds it. */
export const TEST_PACKAGES: readonly TestPackage[] = [
  { program: '/usr/bin/kcat', deb: 'kcat' },
  { program: '/usr/sbin/sshd', deb: 'openssh-server' },
  { program: '/usr/sbin/mariadbd', deb: 'mariadb-server' },
  { program: '/usr/bin/mariadb', deb: 'mariadb-client' },
  { program: '/usr/bin/java', deb: 'openjdk-17-jre-headless' },
  { program: '/usr/bin/mvn', deb: 'maven' },
  // Esper's side of the side-by-side check runs a Java source file: it needs the compiler.
  { program: '/usr/bin/javac', deb: 'openjdk-17-jdk-headless' },
  { program: '/usr/sbin/rsyslogd', deb: 'rsyslog' },
  { program: '/usr/bin/logger', deb: 'bsdutils' },
  { program: '/usr/bin/openssl', deb: 'openssl' },
  { program: '/usr/bin/podman', deb: 'podman' },
  { program: '/usr/sbin/runc', deb: 'runc' },
  { program: '/usr/bin/busybox', deb: 'busybox-static' },
  { program: '/usr/bin/prometheus-node-exporter', deb: 'prometheus-node-exporter' },
  { program: '/usr/bin/prometheus', deb: 'prometheus' },
  { program: '/usr/bin/chromium', deb: 'chromium' },
];

const INSTALL_TIMEOUT_MS = 15 * 60_000;
/** How long apt-get waits for another apt-get's lock before giving up. */
const LOCK_WAIT_SECONDS = 600;

interface CommandResult {
  readonly ok: boolean;
  readonly output: string;
}

function apt(args: readonly string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(
      'apt-get',
      ['-o', `DPkg::Lock::Timeout=${LOCK_WAIT_SECONDS}`, ...args],
      { timeout: INSTALL_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } },
      (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}${stderr}${error ? `\n${error.message}` : ''}` }),
    );
  });
}

/**
 * Installs the packages of `wanted` whose program is missing, in one apt-get run
 * (refreshing the package lists first when apt does not know a package). Throws one error
 * naming what is still missing, e.g. without root.
 */
export async function ensurePackages(wanted: readonly TestPackage[]): Promise<void> {
  const missing = wanted.filter((p) => !existsSync(p.program));
  if (missing.length === 0) return;
  const install = ['install', '-y', '--no-install-recommends', ...new Set(missing.map((p) => p.deb))];
  let result = await apt(install);
  if (!result.ok && /unable to locate package|has no installation candidate/i.test(result.output)) {
    const update = await apt(['update']);
    if (!update.ok) throw packagesMissing(missing, `apt-get update failed:\n${update.output}`);
    result = await apt(install);
  }
  const still = missing.filter((p) => !existsSync(p.program));
  if (!result.ok || still.length > 0) throw packagesMissing(still.length > 0 ? still : missing, `apt-get ${install.join(' ')} failed:\n${result.output}`);
}

/** The package that ships `program` (one of `TEST_PACKAGES`). */
export function packageFor(program: string): TestPackage {
  const found = TEST_PACKAGES.find((p) => p.program === program);
  if (found === undefined) throw new Error(`no test package ships ${program}`);
  return found;
}

function packagesMissing(missing: readonly TestPackage[], detail: string): Error {
  const names = missing.map((p) => `${p.program} (${p.deb})`).join(', ');
  return new Error(`${names} missing and could not be installed (installing needs root and apt-get): ${detail.slice(-2000)}`);
}
