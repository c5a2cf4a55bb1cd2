import { parseArgs } from 'node:util';
import { VigilError } from '../engine/model/errors.js';
import { loadConfig } from './config.js';
import { ExitStatus, unreadablePath } from './exit-status.js';
import { Service } from './service.js';

/**
 * `vigil run [--config vigil.yaml]`: the engine as a service. Runs until SIGTERM or SIGINT,
 * then stops taking requests, applies what is queued, saves its state and exits 0. SIGHUP
 * reloads the rules.
 */
export async function runCommand(args: readonly string[], _out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let configPath: string | undefined;
  try {
    ({ values: { config: configPath } } = parseArgs({ args: [...args], options: { config: { type: 'string' } }, strict: true }));
  } catch (e) {
    err.write(`vigil run: ${(e as Error).message}\nusage: vigil run [--config vigil.yaml]\n`);
    return ExitStatus.usage;
  }
  const unreadable = configPath === undefined ? undefined : await unreadablePath(configPath);
  if (unreadable !== undefined) {
    err.write(`vigil run: --config: cannot read ${configPath}: ${unreadable}\nusage: vigil run [--config vigil.yaml]\n`);
    return ExitStatus.usage;
  }
  let service: Service;
  try {
    const config = await loadConfig(configPath);
    service = await Service.start({ config, out: process.stdout, err });
  } catch (e) {
    if (e instanceof VigilError) {
      err.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const onHup = (): void => void service.reload();
  process.on('SIGHUP', onHup);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.off('SIGHUP', onHup);
  err.write('vigil: shutting down\n');
  await service.stop();
  return 0;
}
