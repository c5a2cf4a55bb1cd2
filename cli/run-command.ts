import { parseArgs } from 'node:util';
import { VigilError } from '../engine/model/errors.js';
import { loadConfig, withListen } from './config.js';
import { ExitStatus, unreadablePath } from './exit-status.js';
import { Service } from './service.js';

/**
 * `vigil run [--config vigil.yaml] [--listen HOST:PORT]`: the engine as a service.
 * `--listen`, else the `VIGIL_LISTEN` environment variable, overrides `http.listen`. Runs until SIGTERM or SIGINT,
 * then stops taking requests, applies what is queued, saves its state and exits 0. SIGHUP
 * reloads the rules.
 */
export async function runCommand(args: readonly string[], _out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let configPath: string | undefined;
  let listen: string | undefined;
  try {
    ({ values: { config: configPath, listen } } = parseArgs({ args: [...args], options: { config: { type: 'string' }, listen: { type: 'string' } }, strict: true }));
  } catch (e) {
    err.write(`vigil run: ${(e as Error).message}\nusage: vigil run [--config vigil.yaml] [--listen HOST:PORT]\n`);
    return ExitStatus.usage;
  }
  const unreadable = configPath === undefined ? undefined : await unreadablePath(configPath);
  if (unreadable !== undefined) {
    err.write(`vigil run: --config: cannot read ${configPath}: ${unreadable}\nusage: vigil run [--config vigil.yaml] [--listen HOST:PORT]\n`);
    return ExitStatus.usage;
  }
  // Signals are taken from the start on: one that comes while vigil starts stops it right after.
  let hup: (() => void) | undefined;
  const onHup = (): void => hup?.();
  process.on('SIGHUP', onHup);
  let stop = (): void => {};
  const signalled = new Promise<void>((resolve) => (stop = resolve));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const release = (): void => {
    process.off('SIGHUP', onHup);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  };
  let service: Service;
  try {
    let config = await loadConfig(configPath);
    const envListen = process.env.VIGIL_LISTEN;
    if (listen !== undefined) config = withListen(config, listen, '--listen');
    else if (envListen !== undefined && envListen !== '') config = withListen(config, envListen, 'VIGIL_LISTEN');
    service = await Service.start({ config, out: process.stdout, err });
  } catch (e) {
    release();
    if (e instanceof VigilError) {
      err.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  hup = () => void service.reload();
  await signalled;
  release();
  err.write('vigil: shutting down\n');
  await service.stop();
  return 0;
}
