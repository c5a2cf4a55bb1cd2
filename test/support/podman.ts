/**
 * A real container engine for tests: Podman serving the Docker Engine API
 * (`podman system service`) on a unix socket in a fresh temporary folder, with its own
 * storage, run and tmp folders (so nothing it does touches another Podman on the
 * machine), runc as the runtime, and a busybox image built locally with `podman import`
 * (no registry is reachable). `stop` removes every container it made and stops the service.
 */

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { trackChild } from './children.js';
import { ensurePackages, packageFor } from './debian-packages.js';

const PODMAN = '/usr/bin/podman';
const RUNC = '/usr/sbin/runc';
const BUSYBOX = '/usr/bin/busybox';
/** The busybox applets the image links to. */
const APPLETS = ['sh', 'httpd', 'sleep', 'echo', 'cat', 'kill', 'true', 'false', 'timeout', 'wget'];
/** The image every test container runs; `/bin/httpd -f -h /www -p ADDR` serves a page from it. */
export const TEST_IMAGE = 'localhost/vigil-test-busybox:1';
const STOP_GRACE_MS = 30_000;

/** A running engine. */
export interface PodmanEngine {
  /** The service's socket: pass as `docker.socket`. */
  readonly socket: string;
  readonly dir: string;
  /** Runs `podman ARGS` against this engine's storage; rejects on a non-zero exit. */
  podman(args: readonly string[]): Promise<string>;
  /** `podman run -d --name NAME` of the test image on the host network, with `args` before the image and `command` after. */
  run(name: string, command: readonly string[], args?: readonly string[]): Promise<string>;
  /** Stops the API service (containers keep running), as an engine restart does. */
  stopService(): Promise<void>;
  /** Starts the API service again on the same socket. */
  startService(): Promise<void>;
  /** Removes this engine's containers and stops the service. */
  stop(): Promise<void>;
}

function run(file: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

/** How many processes have `text` in their command line (this engine's conmon and cleanup processes). */
async function processesNaming(text: string): Promise<number> {
  let n = 0;
  for (const pid of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(text)) n++;
  }
  return n;
}

/** True once the service answers `GET /_ping`. */
function pings(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', headers: { host: 'docker' }, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(5000, () => req.destroy());
    req.end();
  });
}

/** Starts Podman's API service in a fresh folder and builds the test image. */
export async function startPodman(): Promise<PodmanEngine> {
  await ensurePackages([packageFor(PODMAN), packageFor(RUNC), packageFor(BUSYBOX)]);
  const dir = await mkdtemp(path.join(tmpdir(), 'vigil-podman-'));
  const socket = path.join(dir, 'podman.sock');
  // crun cannot set this machine's rlimits; runc can when they stay under the hard limits.
  const conf = path.join(dir, 'containers.conf');
  await writeFile(
    conf,
    [
      '[containers]',
      'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
      '[engine]',
      `events_logger = "file"`,
      `events_logfile_path = "${path.join(dir, 'events.log')}"`,
      '',
    ].join('\n'),
  );
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const global = ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--tmpdir', path.join(dir, 'tmp'), '--runtime', RUNC, '--cgroup-manager', 'cgroupfs'];
  const podman = (args: readonly string[]): Promise<string> => run(PODMAN, [...global, ...args], env);

  const image = path.join(dir, 'image');
  await mkdir(path.join(image, 'bin'), { recursive: true });
  await mkdir(path.join(image, 'tmp'));
  // What `httpd -h /www` serves: a page a health check can expect 200 from.
  await mkdir(path.join(image, 'www'));
  await writeFile(path.join(image, 'www', 'index.html'), 'ok\n');
  await copyFile(BUSYBOX, path.join(image, 'bin', 'busybox'));
  for (const applet of APPLETS) await symlink('busybox', path.join(image, 'bin', applet));
  await run('tar', ['-C', image, '-cf', path.join(dir, 'image.tar'), '.'], env);
  await podman(['import', path.join(dir, 'image.tar'), TEST_IMAGE]);

  let service: ChildProcess | undefined;
  let serviceLog = '';
  const startService = async (): Promise<void> => {
    await rm(socket, { force: true });
    const child = spawn(PODMAN, [...global, 'system', 'service', '--time=0', `unix://${socket}`], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    trackChild(child);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (serviceLog = (serviceLog + d).slice(-20_000)));
    service = child;
    const until = Date.now() + 60_000;
    while (!(await pings(socket))) {
      if (child.exitCode !== null) throw new Error(`podman system service exited with ${child.exitCode}:\n${serviceLog}`);
      if (Date.now() > until) throw new Error(`podman system service did not answer in time:\n${serviceLog}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stopService = async (): Promise<void> => {
    const child = service;
    service = undefined;
    if (child === undefined || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };
  await startService();

  return {
    socket,
    dir,
    podman,
    run: (name, command, args = []) => podman(['run', '-d', '--name', name, '--network', 'host', ...args, TEST_IMAGE, ...command]).then((out) => out.trim()),
    stopService,
    startService,
    async stop() {
      await podman(['rm', '-f', '-a', '-t', '0']).catch(() => undefined);
      await stopService();
      // Podman's overlay storage mounts its folder on itself, once per process that set it
      // up, and the cleanup processes of removed containers may still do so a moment later:
      // unmount and remove until the folder stays gone (a limit for a stuck mount only).
      const overlay = path.join(dir, 'root', 'overlay');
      const until = Date.now() + 30_000;
      // conmon and the `podman container cleanup` it starts name this folder in their arguments.
      while ((await processesNaming(dir)) > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
      for (;;) {
        while (await run('umount', [overlay], env).then(() => true, () => false));
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
        const mounted = (await readFile('/proc/self/mounts', 'utf8')).includes(dir);
        if ((!mounted && !existsSync(dir)) || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}
