import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ApiContext, ApiToken, ApiUser, ReloadOutcome } from '../api/context.js';
import { coreQueries } from '../api/core-queries.js';
import { defaultAllowedHosts } from '../api/cross-site-guard.js';
import { createApiMetrics, type ApiMetrics } from '../api/metrics.js';
import { registerApi } from '../api/server.js';
import { Core, type Input, type InputBody } from '../engine/core.js';
import { formatDiagnostic, ErrorCode, VigilError } from '../engine/model/errors.js';
import type { Event } from '../engine/model/event.js';
import { Delivery } from '../runtime/delivery/delivery.js';
import { StepDriver } from '../runtime/step-driver.js';
import { CheckScheduler } from '../ingest/checks/check-scheduler.js';
import { createStepExecutor } from '../sinks/executors/executors.js';
import type { Producer } from 'kafkajs';
import { createKafkaSource, type KafkaSource } from '../sinks/kafka/kafka-source.js';
import { eventsInputJson } from '../engine/model/event-json.js';
import { createKafkaProducer } from '../sinks/kafka/kafka-sink.js';
import { createQuestDbSink, type QuestDbSink } from '../sinks/questdb/questdb-sink.js';
import { parseQuestDbConfig } from '../sinks/questdb/questdb-config.js';
import { createQuestDbHistory } from '../sinks/questdb/questdb-history.js';
import { registerEventIntake, type Rejection } from '../ingest/http-intake.js';
import type { RuleSet } from '../rules/compile.js';
import { loadRuleDir } from '../rules/load.js';
import { BrokenRulesAlert, loadStartRules, saveLastGoodRules } from './last-good-rules.js';
import { Journal } from '../sinks/store/journal.js';
import { durationMs, type Config } from './config.js';
import { buildSinks, channelSecrets, requireSecrets } from './sinks.js';
import { WallClock } from '../runtime/wall-clock.js';

/** What a snapshot holds: the core's state and the clock time it was taken at. */
interface Snapshot {
  readonly at: number;
  readonly core: ReturnType<Core['snapshot']>;
}

/** The parts of a rule set the core runs. */
function coreRules(ruleSet: RuleSet) {
  return { rules: ruleSet.rules, policies: ruleSet.policies, playbooks: ruleSet.playbookSpecs, ruleRuns: ruleSet.ruleRuns };
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** The host and port of `http.listen` (`host:port`, IPv6 in brackets). */
function listenAddress(listen: string): { host: string; port: number } {
  const colon = listen.lastIndexOf(':');
  return { host: listen.slice(0, colon).replace(/^\[|\]$/g, ''), port: Number(listen.slice(colon + 1)) };
}

/** Batches of events waiting to be journaled and applied, with their requests' promises. */
interface QueuedBatch {
  readonly events: readonly Event[];
  /** Each event's JSON text as it arrived, where the edge kept it (see `engine/event-json.ts`). */
  readonly json: readonly (string | undefined)[] | undefined;
  readonly resolve: (rejections: Rejection[]) => void;
}

export interface ServiceOptions {
  readonly config: Config;
  /** Where alert changes and service messages go (standard output / error). */
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * A running vigil: recovers its state from the data directory (snapshot + journal), serves
 * HTTP intake and the API, journals every input before applying it, delivers notifications,
 * takes snapshots, reloads rules, and shuts down gracefully. This is the one place that
 * builds a running engine from configuration.
 */
export class Service {
  readonly app: FastifyInstance;
  readonly clock = new WallClock();
  readonly core: Core;
  readonly metrics: ApiMetrics;
  /** Rules and labels already reported for a too-long `by` value. */
  private readonly labelTooLongReported = new Set<string>();
  private readonly delivery: Delivery;
  private readonly steps: StepDriver;
  private readonly checks: CheckScheduler;
  private kafkaSource: KafkaSource | undefined;
  private kafkaRetry: NodeJS.Timeout | undefined;
  private kafkaProducer: Producer | undefined;
  private questdb: QuestDbSink | undefined;
  /** Streams whose raw events go to QuestDB. */
  private readonly storedStreams: ReadonlySet<string>;
  private ruleSet: RuleSet;
  private sinks: Awaited<ReturnType<typeof buildSinks>>;
  private readonly queue: QueuedBatch[] = [];
  private queuedEvents = 0;
  private draining = false;
  private live = false;
  private stopping = false;
  private stopped = false;
  private snapshotTimer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private listenUrl = '';
  /** The streams the rules of `streamsOf` read (see `streamLabel`). */
  private readStreams: ReadonlySet<string> = new Set();
  private streamsOf: RuleSet | undefined;
  /** `vigil_rules_broken`: fires while a kept rule set runs because the files do not compile. */
  private readonly brokenRules = new BrokenRulesAlert({ selfAlert: (firing, summary) => this.selfAlert('vigil_rules_broken', firing, summary) });

  private constructor(
    private readonly options: ServiceOptions,
    private readonly journal: Journal<Snapshot, Input>,
    ruleSet: RuleSet,
    private readonly tokens: readonly ApiToken[],
    private readonly users: readonly ApiUser[] = [],
  ) {
    const { config, out, err } = options;
    this.ruleSet = ruleSet;
    this.storedStreams = new Set(config.questdb.events);
    const hasKafkaChannel = [...ruleSet.channels.values()].some((c) => c.type === 'kafka');
    if (config.kafka.brokers.length > 0 && hasKafkaChannel) {
      this.kafkaProducer = createKafkaProducer({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, log: (l) => err.write(`vigil: ${l}\n`) });
    }
    this.sinks = this.newSinks(ruleSet);
    this.metrics = createApiMetrics();
    this.core = new Core({
      clock: this.clock,
      rules: coreRules(ruleSet),
      externalChannels: config.notifications.alertsChannels,
      dryRun: config.playbooks.dryRun,
      paused: config.playbooks.paused,
      onDispatchable: () => {
        if (this.live) queueMicrotask(() => this.steps.kick());
      },
      incidentUrl: (id) => `${this.publicUrl()}/v1/incidents/${encodeURIComponent(id)}`,
      maxGroupsPerRule: config.engine.maxGroupsPerRule,
      onGroupCap: (rule, max) => err.write(`vigil: rule ${rule} reached its cap of ${max} groups; new groups are dropped\n`),
      maxLabelValueLength: config.engine.maxLabelValueLength,
      onLabelTooLong: (rule, label, length) => {
        this.metrics.limitRefused('label_value_length');
        // Said once per rule and label: the metric counts every event.
        const key = `${rule}\u0000${label}`;
        if (this.labelTooLongReported.has(key)) return;
        this.labelTooLongReported.add(key);
        err.write(`vigil: rule ${rule}: a ${label} value of ${length} characters is longer than engine.maxLabelValueLength (${config.engine.maxLabelValueLength}); such events are not evaluated for this rule\n`);
      },
      onQueued: () => {
        if (this.live) queueMicrotask(() => this.delivery.kick());
      },
      onChange: (change) => {
        if (this.live) out.write(JSON.stringify({ time: new Date(change.time).toISOString(), rule: change.rule, state: change.state, labels: change.labels, value: change.value }) + '\n');
      },
    });
    this.delivery = new Delivery({
      clock: this.clock,
      outbox: this.core.notifier.outbox,
      sinks: () => this.sinks,
      onResult: (result) => {
        this.metrics.notification(result.channel, result.ok, result.reason);
        if (!this.stopped) this.submit({ t: 'delivery', result });
      },
      maxAttempts: config.notifications.attempts,
      backoffBaseMs: durationMs(config.notifications.backoff),
      backoffMaxMs: durationMs(config.notifications.maxBackoff),
      sendTimeoutMs: durationMs(config.notifications.timeout),
    });
    const env = options.env ?? process.env;
    // Every secret vigil knows is scrubbed from step output before it reaches the timeline.
    const secrets = [
      ...tokens.map((t) => t.token),
      ...users.map((u) => u.password),
      ...(config.smtp.passwordEnv ? [env[config.smtp.passwordEnv] ?? ''] : []),
      ...channelSecrets(ruleSet.channels, env),
    ].filter((v) => v !== '');
    this.steps = new StepDriver({
      runner: this.core.runner,
      executor: createStepExecutor({
        secrets,
        docker: env.DOCKER_HOST ? { host: env.DOCKER_HOST } : {},
        // Without a file of its own, ssh reads the user's ~/.ssh/config: the fleet inventory.
        ssh: config.playbooks.sshConfigFile ? { extraArgs: ['-F', config.playbooks.sshConfigFile] } : {},
      }),
      submit: (input) => void this.submit(input),
    });
    this.checks = new CheckScheduler({
      emit: (events) => {
        // Check results take the same path as posted events: journaled, then applied.
        if (this.enqueue(events) === 'busy') {
          err.write(`vigil: intake busy, ${events.length} check results dropped\n`);
          return;
        }
        for (const e of events) this.metrics.eventsReceived(this.streamLabel(e.stream), 1);
      },
      maxConcurrent: config.checks.maxConcurrent,
    });
    this.app = Fastify({ bodyLimit: config.http.bodyLimit, logger: false });
  }

  /** Loads rules, recovers state, starts serving. Throws VigilError for configuration problems. */
  static async start(options: ServiceOptions): Promise<Service> {
    const { config, err } = options;
    const env = options.env ?? process.env;
    const tokens: ApiToken[] = config.auth.tokens.map((t) => {
      const token = env[t.env];
      if (token === undefined || token === '') throw new VigilError(ErrorCode.Config, `auth.tokens: environment variable ${t.env} (token "${t.name}") is not set`);
      return { name: t.name, role: t.role, token };
    });
    const users: ApiUser[] = config.auth.users.map((u) => {
      const password = env[u.passwordEnv];
      if (password === undefined || password === '') throw new VigilError(ErrorCode.Config, `auth.users: environment variable ${u.passwordEnv} (user "${u.name}") is not set`);
      return { name: u.name, role: u.role, password };
    });
    const { host } = listenAddress(config.http.listen);
    if (tokens.length === 0 && users.length === 0 && !LOOPBACK.has(host)) {
      throw new VigilError(
        ErrorCode.Config,
        `http.listen: ${config.http.listen} is not a loopback address, and no API tokens nor users are configured (auth.tokens, auth.users); ` +
          'configure one, or listen on 127.0.0.1',
      );
    }
    // Broken files fall back to the last good set (with a self-alert); a first start fails.
    const loaded = await loadStartRules({ rules: config.rules, data: config.data, env, limits: { maxRules: config.engine.maxRules }, log: (l) => err.write(`vigil: ${l}\n`) });
    await mkdir(config.data, { recursive: true });
    const { journal, opened } = await Journal.open<Snapshot, Input>({
      dir: path.join(config.data, 'journal'),
      fsyncIntervalMs: durationMs(config.state.fsyncInterval),
    });
    for (const problem of opened.problems) err.write(`vigil: journal: ${problem}\n`);
    const service = new Service(options, journal, loaded.ruleSet, tokens, users);
    service.recover(opened.snapshot?.state, opened.records.map((r) => r.body));
    service.brokenRules.settle(loaded.broken);
    await service.startOptional();
    await service.listen();
    err.write(
      `vigil: ${loaded.ruleSet.rules.length} rules from ${config.rules} (${loaded.files.length} files); ` +
        `${service.core.book.incidentCount} incidents recovered; listening on ${service.listenUrl}\n`,
    );
    return service;
  }

  /** The URL the service listens on. */
  get url(): string {
    return this.listenUrl;
  }

  /** Journals an input at the clock's time, then applies it. */
  submit(input: InputBody): ReturnType<Core['apply']> {
    this.clock.catchUp();
    const full = { ...input, at: this.clock.now() } as Input;
    this.journal.append(full);
    return this.core.apply(full);
  }

  /** Recompiles the rules from disk; a set that does not compile is refused and the old one stays. */
  async reload(): Promise<ReloadOutcome> {
    const env = this.options.env ?? process.env;
    const loaded = requireSecrets(await loadRuleDir(this.options.config.rules, { maxRules: this.options.config.engine.maxRules }), env);
    if (!loaded.ok) {
      if (loaded.diagnostics.some((d) => d.code === ErrorCode.TooManyRules)) this.metrics.limitRefused('rules');
      this.options.err.write(`vigil: rules reload refused:\n${loaded.diagnostics.map(formatDiagnostic).join('\n')}\n`);
      return { ok: false, diagnostics: loaded.diagnostics };
    }
    this.clock.catchUp();
    this.ruleSet = loaded.ruleSet;
    this.sinks = this.newSinks(loaded.ruleSet);
    const kept = this.core.reload(coreRules(loaded.ruleSet));
    this.checks.update(loaded.ruleSet.checkSpecs);
    await saveLastGoodRules({ data: this.options.config.data, rules: this.options.config.rules, sources: loaded.sources, log: (l) => this.options.err.write(`vigil: ${l}\n`) });
    this.brokenRules.clear();
    // The journal after this snapshot is always read with the rules now on disk.
    await this.snapshot();
    this.options.err.write(`vigil: rules reloaded: ${loaded.ruleSet.rules.length} rules, ${kept.length} kept their state\n`);
    return { ok: true, rules: loaded.ruleSet.rules.length, kept };
  }

  private newSinks(ruleSet: RuleSet) {
    return buildSinks(ruleSet, this.options.config, this.options.env ?? process.env, (line) => this.options.out.write(line + '\n'), this.kafkaProducer, () => this.publicUrl());
  }

  /**
   * A problem of vigil's own (Kafka lag, QuestDB down) as an alert of a pseudo-rule, through
   * the same path as alerts posted by Prometheus: it fires while `firing` is repeated and
   * resolves when told so.
   */
  private selfAlert(name: string, firing: boolean, summary: string): void {
    if (this.stopped || !this.live) return;
    const now = this.clock.now();
    this.submit({
      t: 'alerts',
      alerts: [{ labels: { alertname: name, severity: 'warning', source: 'vigil' }, annotations: { summary }, endsAt: firing ? now + 10 * 60_000 : now }],
    });
  }

  /** Connects the optional parts: QuestDB history, the Kafka producer and consumer. */
  private async startOptional(): Promise<void> {
    const { config, err } = this.options;
    if (config.questdb.config !== '') {
      this.questdb = await createQuestDbSink({
        config: config.questdb.config,
        dataDir: config.data,
        maxBufferBytes: config.questdb.maxBufferBytes,
        onHealth: (up, reason) => this.selfAlert('vigil_questdb_down', !up, up ? 'QuestDB is back' : `QuestDB is unreachable (${reason ?? 'unknown'}); timeline and events are buffered`),
        log: (l) => err.write(`vigil: ${l}\n`),
      });
      const questdb = this.questdb;
      this.core.book.onEntry((entry) => {
        questdb.writeTimeline(entry);
        if (entry.incident !== null) {
          const incident = this.core.book.get(entry.incident);
          if (incident !== undefined) questdb.writeIncident(incident, entry.time);
        }
      });
    }
    if (this.kafkaProducer !== undefined) await this.kafkaProducer.connect();
    if (config.kafka.brokers.length > 0 && config.kafka.topics.length > 0) {
      let lagging = false;
      this.kafkaSource = createKafkaSource({
        brokers: config.kafka.brokers,
        clientId: config.kafka.clientId,
        groupId: config.kafka.groupId,
        topics: config.kafka.topics,
        deadLetterTopic: config.kafka.deadLetterTopic,
        sessionTimeoutMs: durationMs(config.kafka.sessionTimeout),
        submit: async (events, json) => {
          const queued = this.enqueue(events, json);
          if (queued === 'busy') return 'busy';
          await queued;
          return 'ok';
        },
        onStats: (stats) => {
          const worst = Math.max(0, ...stats.lag.values());
          const over = worst > config.kafka.lagAlert;
          if (over || lagging) this.selfAlert('vigil_ingest_lag', over, `Kafka consumer lag ${worst} messages (alert above ${config.kafka.lagAlert})`);
          lagging = over;
        },
        log: (l) => err.write(`vigil: ${l}\n`),
      });
      // Kafka being away at start is survived like a broker restart later: keep trying.
      const source = this.kafkaSource;
      const connect = (): void => {
        source.start().catch((e: unknown) => {
          if (this.stopped) return;
          err.write(`vigil: kafka: cannot start consuming (${(e as Error).message}); retrying in 5s\n`);
          this.kafkaRetry = setTimeout(connect, 5000);
        });
      };
      connect();
    }
  }

  /** Stops taking requests, applies what is queued, saves a snapshot and closes. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.brokenRules.stop();
    clearInterval(this.snapshotTimer);
    clearTimeout(this.reloadTimer);
    clearTimeout(this.kafkaRetry);
    this.watcher?.close();
    await this.checks.stop();
    // The Kafka chunk in flight still goes through the queue, so its offsets get committed.
    await this.kafkaSource?.stop();
    this.stopped = true;
    await this.app.close();
    this.drain();
    await this.steps.close();
    await this.delivery.close();
    await this.snapshot();
    await this.journal.close();
    await this.questdb?.close();
    await this.kafkaProducer?.disconnect();
    this.clock.stop();
  }

  private recover(snapshot: Snapshot | undefined, records: readonly Input[]): void {
    if (snapshot !== undefined) {
      this.clock.beginReplay(snapshot.at);
      this.core.restore(snapshot.core);
    } else if (records.length > 0) {
      this.clock.beginReplay(records[0]!.at);
    }
    for (const input of records) {
      this.clock.replayTo(input.at);
      this.core.apply(input);
    }
    this.clock.goLive();
    this.live = true;
    // Idempotent: rules new since the snapshot get their start (absence counts from here).
    this.submit({ t: 'start' });
    this.steps.failInterrupted();
    this.steps.kick();
    this.delivery.kick();
    this.checks.update(this.ruleSet.checkSpecs);
    this.snapshotTimer = setInterval(() => void this.snapshot(), durationMs(this.options.config.state.snapshotInterval));
    this.snapshotTimer.unref();
  }

  private async snapshot(): Promise<void> {
    this.clock.catchUp();
    await this.journal.snapshot({ at: this.clock.now(), core: this.core.snapshot() });
  }

  private publicUrl(): string {
    return (this.options.config.http.publicUrl || this.listenUrl).replace(/\/+$/, '');
  }

  /** Queues a batch; it is journaled and applied on the next drain. 'busy' when the queue is full. */
  private enqueue(events: readonly Event[], json?: readonly (string | undefined)[]): Promise<Rejection[]> | 'busy' {
    if (this.stopped || this.queuedEvents + events.length > this.options.config.http.maxQueuedEvents) return 'busy';
    this.queuedEvents += events.length;
    this.metrics.queueDepth(this.queuedEvents);
    return new Promise((resolve) => {
      this.queue.push({ events, json, resolve });
      if (!this.draining) {
        this.draining = true;
        setImmediate(() => this.drain());
      }
    });
  }

  /** Journals every queued batch in one write, then applies them in order. */
  private drain(): void {
    this.draining = false;
    if (this.queue.length === 0) return;
    const batches = this.queue.splice(0);
    const started = process.hrtime.bigint();
    this.clock.catchUp();
    const now = this.clock.now();
    const oldest = now - durationMs(this.options.config.time.lateness);
    const inputs: Input[] = [];
    const inputJson: (string | undefined)[] = [];
    const results: Rejection[][] = [];
    for (const batch of batches) {
      const rejections: Rejection[] = [];
      const accepted: Event[] = [];
      const acceptedJson: (string | undefined)[] = [];
      batch.events.forEach((e, index) => {
        if (e.time < oldest) rejections.push({ index, error: `late: ${new Date(e.time).toISOString()} is more than ${this.options.config.time.lateness} behind the clock` });
        else {
          accepted.push(e);
          if (batch.json !== undefined) acceptedJson.push(batch.json[index]);
        }
      });
      if (accepted.length > 0) {
        inputs.push({ t: 'events', at: now, events: accepted });
        inputJson.push(batch.json === undefined ? undefined : eventsInputJson(now, accepted, acceptedJson));
      }
      results.push(rejections);
    }
    this.journal.appendMany(inputs, inputJson);
    for (const input of inputs) this.core.apply(input);
    if (this.questdb !== undefined && this.storedStreams.size > 0) {
      for (const input of inputs) {
        if (input.t !== 'events') continue;
        for (const e of input.events) if (this.storedStreams.has(e.stream)) this.questdb.writeEvent(e);
      }
    }
    this.metrics.ruleEvaluation(Number(process.hrtime.bigint() - started) / 1e9);
    batches.forEach((b, i) => {
      this.queuedEvents -= b.events.length;
      b.resolve(results[i]!);
    });
    this.metrics.queueDepth(this.queuedEvents);
  }

  private async listen(): Promise<void> {
    const { config, err } = this.options;
    const { host, port } = listenAddress(config.http.listen);
    if (this.tokens.length === 0 && this.users.length === 0) err.write('vigil: no API tokens are configured: the API is open to local clients only\n');
    const intake = (api: FastifyInstance): void =>
      registerEventIntake(api, {
        submit: (events) => this.enqueue(events),
        onCounted: (received, rejected) => {
          for (const [s, n] of received) this.metrics.eventsReceived(this.streamLabel(s), n);
          for (const [s, n] of rejected) this.metrics.eventsRejected(this.streamLabel(s), n);
        },
      });
    const ctx: ApiContext = {
      queries: coreQueries(this.core),
      // The core's results are typed per input kind in the API's terms.
      submit: ((input: InputBody) => this.submit(input)) as ApiContext['submit'],
      reload: () => this.reload(),
      ready: () => this.live && !this.stopped,
      now: () => this.clock.now(),
      tokens: this.tokens,
      users: this.users,
      newId: () => randomUUID(),
      history: config.questdb.config === '' ? undefined : createQuestDbHistory(parseQuestDbConfig(config.questdb.config)),
    };
    const http = config.http;
    registerApi(this.app, ctx, {
      metrics: this.metrics,
      allowedHosts: http.allowedHosts.length > 0 ? http.allowedHosts : defaultAllowedHosts({ listenHost: host, publicUrl: http.publicUrl }),
      allowedOrigins: http.allowedOrigins,
      rateLimit: http.rateLimit,
      maxStreams: http.maxStreams,
      maxStreamsPerClient: http.maxStreamsPerClient,
      routes: [intake],
    });
    try {
      await this.app.listen({ host, port });
    } catch (e) {
      throw new VigilError(ErrorCode.Config, `cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { cause: e });
    }
    const address = this.app.server.address();
    const shown = typeof address === 'object' && address !== null ? `${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}` : config.http.listen;
    this.listenUrl = `http://${shown}`;
    this.watchRules();
  }

  /**
   * The metric label of a stream: its name when a rule of the current set reads it (a
   * reload that adds a stream counts it under its own name from then on), otherwise
   * `other`, so metric labels stay few.
   */
  private streamLabel(stream: string): string {
    if (this.streamsOf !== this.ruleSet) {
      this.streamsOf = this.ruleSet;
      this.readStreams = new Set(this.ruleSet.rules.flatMap((r) => r.selectors.map((s) => s.stream)));
    }
    return this.readStreams.has(stream) ? stream : 'other';
  }

  /** Reloads when a file in the rules folder changes (debounced). */
  private watchRules(): void {
    try {
      this.watcher = watch(this.options.config.rules, { recursive: true }, (_event, file) => {
        if (file !== null && !String(file).endsWith('.vigil')) return;
        clearTimeout(this.reloadTimer);
        this.reloadTimer = setTimeout(() => void this.reload(), 300);
      });
      this.watcher.on('error', () => this.watcher?.close());
    } catch (e) {
      this.options.err.write(`vigil: cannot watch ${this.options.config.rules} for changes (${(e as NodeJS.ErrnoException).code ?? String(e)}); reload with SIGHUP or the API\n`);
    }
  }
}
