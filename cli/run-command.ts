import Fastify from 'fastify';
import { parseArgs } from 'node:util';
import { formatChange } from '../engine/alert-change.js';
import { formatDiagnostic, VigilError } from '../engine/errors.js';
import { registerEventIntake } from '../ingest/http-intake.js';
import { loadRuleDir } from '../rules/load.js';
import { durationMs, loadConfig } from './config.js';
import { LiveEngine } from './live-engine.js';
import { WallClock } from './wall-clock.js';

/**
 * `vigil run [--config vigil.yaml]`: the engine as a service. Loads the rules, serves HTTP
 * intake and health endpoints, logs every alert change as an NDJSON line on standard
 * output, and on SIGTERM/SIGINT stops taking requests, then exits 0.
 */
export async function runCommand(args: readonly string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let configPath: string | undefined;
  try {
    ({ values: { config: configPath } } = parseArgs({ args: [...args], options: { config: { type: 'string' } }, strict: true }));
  } catch (e) {
    err.write(`vigil run: ${(e as Error).message}\nusage: vigil run [--config vigil.yaml]\n`);
    return 2;
  }
  let config;
  try {
    config = await loadConfig(configPath);
  } catch (e) {
    if (e instanceof VigilError) {
      err.write(`${e.message}\n`);
      return 1;
    }
    throw e;
  }
  const loaded = await loadRuleDir(config.rules);
  if (!loaded.ok) {
    err.write(loaded.diagnostics.map((d) => formatDiagnostic(d) + '\n').join(''));
    err.write(`vigil run: the rules in ${config.rules} do not compile\n`);
    return 1;
  }

  const clock = new WallClock();
  const live = new LiveEngine({
    rules: loaded.ruleSet.rules,
    clock,
    latenessMs: durationMs(config.time.lateness),
    maxGroupsPerRule: config.engine.maxGroupsPerRule,
    onChange: (change) => out.write(formatChange(change) + '\n'),
    onGroupCap: (rule, max) => err.write(`vigil: rule ${rule} reached its cap of ${max} groups; new groups are dropped\n`),
  });

  const app = Fastify({ bodyLimit: config.http.bodyLimit, logger: false });
  registerEventIntake(app, { submit: (events) => live.submit(events) });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ready', rules: loaded.ruleSet.rules.length }));
  app.get('/v1/rules', async () =>
    [...live.engine.runtimes.values()].map((r) => ({ name: r.rule.name, severity: r.rule.severity, groups: r.groupCount })),
  );

  const colon = config.http.listen.lastIndexOf(':');
  const host = config.http.listen.slice(0, colon);
  const port = Number(config.http.listen.slice(colon + 1));
  try {
    await app.listen({ host, port });
  } catch (e) {
    err.write(`vigil run: cannot listen on ${config.http.listen}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
    return 1;
  }
  const address = app.server.address();
  const shown = typeof address === 'object' && address !== null ? `${address.address}:${address.port}` : config.http.listen;
  err.write(`vigil: ${loaded.ruleSet.rules.length} rules from ${config.rules} (${loaded.files.length} files); listening on http://${shown}\n`);

  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  err.write('vigil: shutting down\n');
  await app.close();
  clock.stop();
  return 0;
}
