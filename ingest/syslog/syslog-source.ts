import { readFile } from 'node:fs/promises';
import { Registry } from 'prom-client';
import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { Source, SourceContext, SourceHealth } from '../../engine/model/source.js';
import { parseListenAddress, type ListenAddress } from './listen-address.js';
import { ListenerIntake } from './listener-intake.js';
import type { SyslogListener } from './syslog-listener.js';
import { createSyslogMetrics, type SyslogMetrics } from './syslog-metrics.js';
import { createTcpListener } from './tcp-listener.js';
import { createUdpListener } from './udp-listener.js';

/** What `createSyslogSource` takes (the `syslog` section of `vigil.yaml`). */
export interface SyslogSourceOptions {
  /** `udp://HOST:PORT`, `tcp://HOST:PORT`, `tls://HOST:PORT` entries. */
  readonly listen: readonly string[];
  /** The stream events go to (default `logs`). */
  readonly stream?: string;
  /** PEM files for `tls://` listeners. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string };
  /** Largest message in bytes (default 65536); longer frames are malformed. */
  readonly maxMessageBytes?: number;
  /** Wait between attempts to bind a listener that failed (default 5 s). */
  readonly retryMs?: number;
  /** The registry the counters go on, read at start (default: one of the source's own). */
  readonly registry?: () => Registry;
}

/** The self-alert that fires while some listener cannot serve. */
export const LISTENER_DOWN_ALERT = 'vigil_syslog_listener_down';

const DEFAULT_MAX_MESSAGE_BYTES = 65_536;
const DEFAULT_RETRY_MS = 5000;
const BUSY_RETRY_MS = 10;
const MAX_HELD_UDP = 100_000;

/** One configured listener and how it is doing. */
interface Slot {
  readonly address: ListenAddress;
  listener: SyslogListener | undefined;
  up: boolean;
  /** Failed and not serving again yet (a listener still binding at start is not). */
  failing: boolean;
  reason: string;
  timer: NodeJS.Timeout | undefined;
}

/**
 * The syslog source: RFC 5424 and RFC 3164 messages over UDP, TCP (RFC 6587 octet
 * counting and LF framing) and TLS become events on one stream. A listener that cannot
 * bind, or whose socket fails, is retried every `retryMs`; while any is down the
 * self-alert `vigil_syslog_listener_down` fires, and `/metrics` shows each listener's
 * frames, malformed frames, connections and state. Bad options (an entry that is not an
 * address, TLS without readable PEM files) fail the start.
 */
export function createSyslogSource(options: SyslogSourceOptions): Source {
  const stream = options.stream ?? 'logs';
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  const addresses = options.listen.map((text) => {
    const address = parseListenAddress(text);
    if (address === undefined) throw new VigilError(ErrorCode.Config, `syslog.listen: "${text}" is not udp://HOST:PORT, tcp://HOST:PORT or tls://HOST:PORT`);
    return address;
  });
  if (addresses.some((a) => a.protocol === 'tls') && options.tls === undefined) throw new VigilError(ErrorCode.Config, 'syslog.listen: a tls:// listener needs syslog.tls.cert and syslog.tls.key');
  const slots: Slot[] = addresses.map((address) => ({ address, listener: undefined, up: false, failing: false, reason: 'not started', timer: undefined }));
  let ctx: SourceContext | undefined;
  let metrics: SyslogMetrics | undefined;
  let stopped = false;
  let alerting = false;

  /** Fires the self-alert while some listener is down, resolves it once all are up. */
  function settleAlert(): void {
    const down = slots.filter((s) => s.failing);
    if (down.length === 0 && !alerting) return;
    alerting = down.length > 0;
    const summary = alerting ? `syslog listener ${down.map((s) => `${s.address.text} (${s.reason})`).join(', ')} cannot serve` : 'all syslog listeners serve';
    ctx!.selfAlert(LISTENER_DOWN_ALERT, alerting, summary);
  }

  function failed(slot: Slot, reason: string): void {
    if (stopped) return;
    slot.up = false;
    slot.failing = true;
    slot.reason = reason;
    metrics!.up(slot.address.text, false);
    metrics!.failed(slot.address.text);
    ctx!.log(`syslog ${slot.address.text}: cannot serve (${reason}); retrying in ${retryMs / 1000}s`);
    settleAlert();
    const old = slot.listener;
    slot.listener = undefined;
    void old?.close();
    clearTimeout(slot.timer);
    slot.timer = setTimeout(() => void bind(slot), retryMs);
  }

  async function bind(slot: Slot, tls?: { cert: Buffer; key: Buffer }): Promise<void> {
    slot.timer = undefined;
    if (stopped) return;
    const c = ctx!;
    const intake = new ListenerIntake({ listener: slot.address.text, stream, ctx: c, metrics: metrics! });
    const onFailure = (reason: string): void => failed(slot, reason);
    const listener =
      slot.address.protocol === 'udp'
        ? createUdpListener({ address: slot.address, intake, metrics: metrics!, now: () => c.now(), maxMessageBytes, maxHeld: MAX_HELD_UDP, busyRetryMs: BUSY_RETRY_MS, onFailure })
        : createTcpListener({ address: slot.address, intake, metrics: metrics!, now: () => c.now(), maxMessageBytes, busyRetryMs: BUSY_RETRY_MS, onFailure, log: c.log, ...(slot.address.protocol === 'tls' ? { tls: tls ?? (await readTls()) } : {}) });
    try {
      await listener.listen();
    } catch (e) {
      failed(slot, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
      return;
    }
    if (stopped) return void (await listener.close());
    slot.listener = listener;
    slot.up = true;
    slot.failing = false;
    slot.reason = '';
    metrics!.up(slot.address.text, true);
    settleAlert();
  }

  async function readTls(): Promise<{ cert: Buffer; key: Buffer }> {
    const { certFile, keyFile } = options.tls!;
    try {
      return { cert: await readFile(certFile), key: await readFile(keyFile) };
    } catch (e) {
      throw new VigilError(ErrorCode.Config, `syslog.tls: cannot read ${(e as NodeJS.ErrnoException).path ?? 'the PEM files'}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }

  return {
    name: 'syslog',
    async start(context) {
      ctx = context;
      stopped = false;
      metrics = createSyslogMetrics(options.registry?.() ?? new Registry());
      // Unreadable PEM files are a configuration problem: refused before anything binds.
      const tls = slots.some((s) => s.address.protocol === 'tls') ? await readTls() : undefined;
      await Promise.all(slots.map((slot) => bind(slot, tls)));
    },
    async stop() {
      stopped = true;
      await Promise.all(
        slots.map(async (slot) => {
          clearTimeout(slot.timer);
          const l = slot.listener;
          slot.listener = undefined;
          slot.up = false;
          slot.reason = 'stopped';
          await l?.close();
        }),
      );
    },
    health(): SourceHealth {
      const down = slots.filter((s) => !s.up);
      return down.length === 0 ? { up: true } : { up: false, detail: down.map((s) => `${s.address.text}: ${s.reason}`).join('; ') };
    },
  };
}
