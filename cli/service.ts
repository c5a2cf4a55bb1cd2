import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Producer } from 'kafkajs';
import type { ApiToken, ApiUser, ReloadOutcome } from '../api/context.js';
import { createApiMetrics } from '../api/metrics.js';
import { defaultAllowedHosts } from '../api/cross-site-guard.js';
import { registerApi } from '../api/server.js';
import { actionLinkRoutes } from '../api/action-links.js';
import { actionLinkSigner } from '../engine/model/action-link.js';
import { loadLinkSecret } from './link-secret.js';
import type { Core } from '../engine/core.js';
import type { AlertChange } from '../engine/model/alert-change.js';
import { ErrorCode, VigilError } from '../engine/model/errors.js';
import type { HttpRoutes, Source } from '../engine/model/source.js';
import { createCheckSource } from '../ingest/checks/check-source.js';
import { createFileSource } from '../ingest/files/file-source.js';
import { createDockerSource } from '../ingest/docker/docker-source.js';
import { createHttpIntake } from '../ingest/http-intake.js';
import { createScrapeSource } from '../ingest/scrape/scrape-source.js';
import { createOtlpSource } from '../ingest/otlp/otlp-source.js';
import { createRemoteWriteSource } from '../ingest/remote-write/remote-write-source.js';
import type { RuleSet } from '../rules/compile.js';
import { createIntakeQueue, type IntakeQueue } from '../runtime/intake-queue.js';
import { LiveCore } from '../runtime/live-core.js';
import { createStepExecutor } from '../sinks/executors/executors.js';
import { createKafkaIntake } from '../sinks/kafka/kafka-intake.js';
import { createKafkaProducer } from '../sinks/kafka/kafka-sink.js';
import { parseQuestDbConfig } from '../sinks/questdb/questdb-config.js';
import { createQuestDbHistory } from '../sinks/questdb/questdb-history.js';
import { mirrorToQuestDb } from '../sinks/questdb/questdb-mirror.js';
import { createQuestDbSink, type QuestDbSink } from '../sinks/questdb/questdb-sink.js';
import { syslogSources } from './config-syslog.js';
import { deliveryOptions, durationMs, kafkaIntakeOptions, type Config } from './config.js';
import { fileSourceOptions } from './config-files.js';
import { dockerSourceOptions, dockerStepHost } from './config-docker.js';
import { scrapeJobs } from './config-scrape.js';
import { dataDirExists, openDataDir } from './data-dir.js';
import { listenAddress, listenHttp } from './http-listen.js';
import { knownSecrets } from './known-secrets.js';
import { BrokenRulesAlert, loadStartRules, saveLastGoodRules } from './last-good-rules.js';
import { RuleReloader } from './rule-reloader.js';
import { buildSinks } from './sinks.js';
import { startClusterPart } from './cluster-part.js';
import type { ClusterNode } from '../runtime/cluster/cluster-node.js';
import { createSourceContext } from './source-context.js';

/** A source of the running service: HTTP ones add their routes to the API's fastify context. */
export type ServiceSource = Source<HttpRoutes<FastifyInstance>>;

export interface ServiceOptions {
  readonly config: Config;
  /** Where alert changes and service messages go (standard output / error). */
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Sources beyond the configured ones, started and stopped with them. */
  readonly sources?: readonly ServiceSource[];
}

/** The parts of a rule set the core runs. */
function coreRules(ruleSet: RuleSet) {
  return { rules: ruleSet.rules, policies: ruleSet.policies, playbooks: ruleSet.playbookSpecs, ruleRuns: ruleSet.ruleRuns };
}

/** The streams some rule reads. */
function streamsRead(ruleSet: RuleSet): ReadonlySet<string> {
  return new Set(ruleSet.rules.flatMap((r) => r.selectors.map((s) => s.stream)));
}

/** Basic-auth users from the environment variables the configuration names; a missing one stops the start. */
function apiUsers(config: Config, env: Readonly<Record<string, string | undefined>>): ApiUser[] {
  return config.auth.users.map((u) => {
    const password = env[u.passwordEnv];
    if (password === undefined || password === '') throw new VigilError(ErrorCode.Config, `auth.users: environment variable ${u.passwordEnv} (user "${u.name}") is not set`);
    return { name: u.name, role: u.role, password };
  });
}

/** API tokens from the environment variables the configuration names; a missing one stops the start. */
function apiTokens(config: Config, env: Readonly<Record<string, string | undefined>>): ApiToken[] {
  return config.auth.tokens.map((t) => {
    const token = env[t.env];
    if (token === undefined || token === '') throw new VigilError(ErrorCode.Config, `auth.tokens: environment variable ${t.env} (token "${t.name}") is not set`);
    return { name: t.name, role: t.role, token };
  });
}

/** What a running service holds, in the order `stop` closes it. */
interface Parts {
  readonly abort: AbortController;
  readonly rules: RuleReloader;
  readonly brokenRules: BrokenRulesAlert;
  readonly sources: readonly ServiceSource[];
  readonly app: FastifyInstance;
  readonly intake: IntakeQueue | undefined;
  readonly live: LiveCore;
  readonly questdb: QuestDbSink | undefined;
  readonly producer: Producer | undefined;
  readonly cluster: ClusterNode | undefined;
}

/** Stops the sources, closes the port, applies what is queued, then closes the core and the sinks. */
async function closeParts(p: Parts): Promise<void> {
  p.abort.abort();
  p.rules.close();
  p.brokenRules.stop();
  // Sources stop first: the Kafka chunk in flight still goes through the queue, so its offsets get committed.
  for (const source of p.sources) await source.stop();
  await p.app.close();
  p.intake?.close();
  await p.cluster?.stop();
  await p.live.close();
  await p.questdb?.close();
  await p.producer?.disconnect();
}

/**
 * A running vigil, composed from its parts in the order data flows: sources feed the
 * intake queue, which journals, then applies to the live core, which delivers
 * notifications and runs steps; the API reads the core. This is the one place that builds
 * a running engine from configuration: read `start` top to bottom.
 */
export class Service {
  private constructor(
    readonly url: string,
    private readonly parts: Parts,
  ) {}

  /** Loads rules, recovers state, starts serving. Throws VigilError for configuration problems. */
  static async start(options: ServiceOptions): Promise<Service> {
    const { config, out, err } = options;
    const env = options.env ?? process.env;
    const log = (line: string): void => void err.write(`vigil: ${line}\n`);

    // What can be refused is refused before the data folder is touched.
    const tokens = apiTokens(config, env);
    const users = apiUsers(config, env);
    const kafka = kafkaIntakeOptions(config);
    const kafkaSource = kafka === undefined ? undefined : createKafkaIntake(kafka);
    const docker = dockerSourceOptions(config.docker);
    const fresh = !(await dataDirExists(config.data));
    // Broken files fall back to the last good set (with a self-alert); a first start fails.
    const limits = { maxRules: config.engine.maxRules };
    const initial = await loadStartRules({ rules: config.rules, data: config.data, env, limits, log });
    const address = listenAddress(config.http.listen, tokens.length > 0 || users.length > 0, log);
    const checks = createCheckSource({ specs: initial.ruleSet.checkSpecs, maxConcurrent: config.checks.maxConcurrent });
    const files = fileSourceOptions(config.files);
    const sources: ServiceSource[] = [
      createHttpIntake(),
      checks,
      ...(kafkaSource === undefined ? [] : [kafkaSource]),
      ...syslogSources(config.syslog, () => metrics.registry),
      ...(files === undefined ? [] : [createFileSource(files)]),
      ...(docker === undefined ? [] : [createDockerSource(docker)]),
      ...(config.scrape.length === 0 ? [] : [createScrapeSource({ jobs: scrapeJobs(config.scrape), userAgent: 'vigil/0.1' })]),
      ...(config.receive.remoteWrite.enabled ? [createRemoteWriteSource({ maxDecodedBytes: config.receive.remoteWrite.maxDecodedBytes })] : []),
      ...(config.receive.otlp.enabled ? [createOtlpSource({ maxDecodedBytes: config.receive.otlp.maxDecodedBytes })] : []),
      ...(options.sources ?? []),
    ];

    // Outputs: one sink per channel, rebuilt on reload.
    const usesKafka = [...initial.ruleSet.channels.values()].some((c) => c.type === 'kafka');
    const producer = config.kafka.brokers.length > 0 && usesKafka ? createKafkaProducer({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, log }) : undefined;
    const publicUrl = (): string => (config.http.publicUrl || url).replace(/\/+$/, '');
    const linkSigner = actionLinkSigner({ secret: await loadLinkSecret({ data: config.data, env }) });
    const newSinks = (set: RuleSet) => buildSinks(set, config, env, (line) => out.write(line + '\n'), producer, publicUrl, linkSigner);
    let ruleSet = initial.ruleSet;
    let sinks = newSinks(ruleSet);
    let streams = streamsRead(ruleSet);
    let url = '';

    // State: the journal replayed into the core, which then runs live.
    const data = await openDataDir({ dir: config.data, fsyncIntervalMs: durationMs(config.state.fsyncInterval), fresh });
    for (const problem of data.opened.problems) log(`journal: ${problem}`);
    const metrics = createApiMetrics();
    metrics.observeSources(() => sources);
    const labelTooLongReported = new Set<string>();
    const printChange = (c: AlertChange): void => void out.write(JSON.stringify({ time: new Date(c.time).toISOString(), rule: c.rule, state: c.state, labels: c.labels, value: c.value }) + '\n');
    const live = LiveCore.open(
      {
        journal: data.journal,
        rules: coreRules(ruleSet),
        sinks: () => sinks,
        executor: createStepExecutor({
          secrets: knownSecrets({ tokens, users, config, ruleSet, env }),
          docker: dockerStepHost(config.docker, env),
          // Without a file of its own, ssh reads the user's ~/.ssh/config: the fleet inventory.
          ssh: config.playbooks.sshConfigFile ? { extraArgs: ['-F', config.playbooks.sshConfigFile] } : {},
        }),
        externalChannels: config.notifications.alertsChannels,
        incidentUrl: (id) => `${publicUrl()}/v1/incidents/${encodeURIComponent(id)}`,
        maxGroupsPerRule: config.engine.maxGroupsPerRule,
        latenessMs: durationMs(config.time.lateness),
        maxFutureMs: durationMs(config.time.maxFuture),
        maxLabelValueLength: config.engine.maxLabelValueLength,
        onLabelTooLong: (rule, label, length) => {
          metrics.limitRefused('label_value_length');
          // Said once per rule and label: the metric counts every event.
          const key = `${rule}\u0000${label}`;
          if (labelTooLongReported.has(key)) return;
          labelTooLongReported.add(key);
          log(`rule ${rule}: a ${label} value of ${length} characters is longer than engine.maxLabelValueLength (${config.engine.maxLabelValueLength}); such events are not evaluated for this rule`);
        },
        dryRun: config.playbooks.dryRun,
        paused: config.playbooks.paused,
        delivery: deliveryOptions(config),
        snapshotIntervalMs: durationMs(config.state.snapshotInterval),
        onChange: printChange,
        onGroupCaps: (caps) => caps.forEach((cap) => metrics.groupsDropped(cap.rule, cap.dropped)),
        onDelivery: (result) => metrics.notification(result.channel, result.ok, result.reason),
        log,
      },
      { snapshot: data.opened.snapshot?.state, records: data.opened.records.map((r) => r.body) },
    );
    // `vigil_rules_broken` fires while a kept set runs because the files do not compile.
    const brokenRules = new BrokenRulesAlert({ selfAlert: (firing, summary) => live.selfAlert('vigil_rules_broken', firing, summary) });
    brokenRules.settle(initial.broken);
    const rules = new RuleReloader({
      dir: config.rules,
      env,
      log,
      limits,
      onRefused: (diagnostics) => {
        if (diagnostics.some((d) => d.code === ErrorCode.TooManyRules)) metrics.limitRefused('rules');
      },
      apply: async (next, texts) => {
        [ruleSet, sinks, streams] = [next, newSinks(next), streamsRead(next)];
        checks.update(next.checkSpecs);
        parts.cluster?.reload(coreRules(next));
        await saveLastGoodRules({ data: config.data, rules: config.rules, sources: texts, log });
        brokenRules.clear();
        return live.reload(coreRules(next));
      },
    });
    const app = Fastify({ bodyLimit: config.http.bodyLimit, logger: false });
    const parts = { abort: new AbortController(), rules, brokenRules, sources, app, live, producer, intake: undefined as IntakeQueue | undefined, questdb: undefined as QuestDbSink | undefined, cluster: undefined as ClusterNode | undefined };
    try {
      // Optional history: QuestDB follows the timeline and the chosen raw streams.
      const questdb = (parts.questdb =
        config.questdb.config === ''
          ? undefined
          : await createQuestDbSink({
              config: config.questdb.config,
              dataDir: config.data,
              maxBufferBytes: config.questdb.maxBufferBytes,
              onHealth: (up, reason) => live.selfAlert('vigil_questdb_down', !up, up ? 'QuestDB is back' : `QuestDB is unreachable (${reason ?? 'unknown'}); timeline and events are buffered`),
              log,
            }));
      const mirror = questdb === undefined ? undefined : mirrorToQuestDb({ questdb, core: live.core.queries, streams: config.questdb.events });
      await producer?.connect();

      // In a cluster, events go to the events topic and the partitions' owners apply them.
      const cluster = (parts.cluster = await startClusterPart({ config, rules: () => coreRules(ruleSet), sinks: () => sinks, incidentUrl: (id) => `${publicUrl()}/v1/incidents/${encodeURIComponent(id)}`, onChange: printChange, onDelivery: (r) => metrics.notification(r.channel, r.ok, r.reason), log }));
      // The intake queue: every source's events are journaled, then applied, in one drain.
      const intake = (parts.intake = cluster?.intake ?? createIntakeQueue({
        maxQueuedEvents: config.http.maxQueuedEvents,
        now: () => live.now(),
        apply: (inputs, json) => live.applyMany(inputs, json),
        ...(mirror === undefined ? {} : { onApplied: mirror.applied }),
        onDepth: (n) => metrics.queueDepth(n),
        onDrained: (seconds) => metrics.ruleEvaluation(seconds),
      }));

      // Every source starts with the same context; HTTP ones add their routes to the API's.
      const routes: ((api: FastifyInstance) => void)[] = [];
      const ctx = createSourceContext({ intake, live, metrics, streams: () => streams, log, routes, signal: parts.abort.signal });
      for (const source of sources) await source.start(ctx);
      routes.push(actionLinkRoutes({ signer: linkSigner, ctx: { queries: live.core.queries, submit: (input) => live.submit(input), now: () => live.now(), newId: () => randomUUID() } }));

      // The API over the live core, then the port.
      registerApi(
        app,
        {
          queries: cluster?.queries(live.core.queries) ?? live.core.queries,
          submit: (input) => live.submit(input),
          reload: () => rules.reload(),
          ready: () => !parts.abort.signal.aborted,
          now: () => live.now(),
          tokens,
          users,
          newId: () => randomUUID(),
          checks: () => checks.status(),
          history: config.questdb.config === '' ? undefined : createQuestDbHistory(parseQuestDbConfig(config.questdb.config)),
        },
        {
          metrics,
          allowedHosts: config.http.allowedHosts.length > 0 ? config.http.allowedHosts : defaultAllowedHosts({ listenHost: address.host, publicUrl: config.http.publicUrl }),
          allowedOrigins: config.http.allowedOrigins,
          rateLimit: config.http.rateLimit,
          maxStreams: config.http.maxStreams,
          maxStreamsPerClient: config.http.maxStreamsPerClient,
          statusPage: config.statusPage,
          routes,
        },
      );
      url = await listenHttp(app, address);
      rules.watch();
    } catch (e) {
      // A start that failed leaves nothing behind: no sources, no timers, no fresh journal.
      await closeParts(parts).catch(() => undefined);
      metrics.close();
      await data.discard();
      throw e;
    }
    log(`${ruleSet.rules.length} rules from ${config.rules} (${initial.files.length} files); ${live.core.book.incidentCount} incidents recovered; listening on ${url}`);
    return new Service(url, parts);
  }

  /** The core, for embedding and tests. */
  get core(): Core {
    return this.parts.live.core;
  }

  /** Recompiles the rules from disk; a set that does not compile is refused and the old one stays. */
  reload(): Promise<ReloadOutcome> {
    return this.parts.rules.reload();
  }

  /** Stops the sources, applies what is queued, lets deliveries and steps end, saves a snapshot and closes. */
  async stop(): Promise<void> {
    if (this.parts.abort.signal.aborted) return;
    await closeParts(this.parts);
  }
}
