/**
 * Turns one message of the Engine API's `/events` stream into a vigil event. Docker and
 * Podman's Docker-compatible service write the same envelope (`Type`, `Action`,
 * `Actor.ID`, `Actor.Attributes`, `time`, `timeNano`) but differ in details, all handled
 * here:
 *
 * - health: Docker's action is `health_status: healthy` (status after the colon); Podman's
 *   is plain `health_status` with the status in a top-level `HealthStatus` field.
 * - attributes: both mix the container's labels with `name` and `image`; Docker adds
 *   `exitCode` to `die` and `signal` to `kill`; Podman adds `containerExitCode` (0 on every
 *   event but `die`) and `podId` to all of them, and `exitCode` to `die`.
 * - Podman 4.3's `HealthStatus` is the status from before the check that raised the event
 *   (the first failing check says `starting`), so such a message is flagged `healthStale`
 *   and the source reads the current status from the container's inspection.
 * - Podman names exec ends `exec_died` where Docker says `exec_die`, and emits a `restart`
 *   before the new start, Docker after it. Neither is an action vigil reports.
 */

/** The container actions that become events (the others only update what vigil knows). */
export const REPORTED_ACTIONS: ReadonlySet<string> = new Set(['start', 'die', 'oom', 'kill', 'restart', 'health_status']);

/** Attribute keys the engines add beside the container's labels. */
const ENGINE_ATTRIBUTES: ReadonlySet<string> = new Set(['name', 'image', 'exitCode', 'signal', 'containerExitCode', 'podId', 'execID', 'health_status']);

/** The most labels an event carries (the intake limit); the rest, in key order, are left out. */
export const MAX_CONTAINER_LABELS = 64;

/** One container message as vigil reads it, before it becomes an event. */
export interface ContainerMessage {
  readonly id: string;
  readonly action: string;
  readonly name: string;
  readonly image: string;
  /** Epoch ms. */
  readonly time: number;
  readonly exitCode?: number;
  readonly health?: string;
  /** True when `health` came from Podman's `HealthStatus`, which lags one check behind. */
  readonly healthStale?: boolean;
  readonly signal?: string;
  /** Attributes that are not the engine's own: the container's labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** What a message became: a container message, `skip` for other types, or why it is malformed. */
export type ParsedMessage = { readonly ok: true; readonly message: ContainerMessage } | { readonly ok: false; readonly skip: true } | { readonly ok: false; readonly skip: false; readonly error: string };

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The message's time in epoch ms: `timeNano` when present (both engines send it), else `time` in seconds. */
function messageTime(m: Record<string, unknown>): number | undefined {
  const nano = m.timeNano;
  if (typeof nano === 'number' && Number.isFinite(nano) && nano > 0) return Math.floor(nano / 1e6);
  const sec = m.time;
  if (typeof sec === 'number' && Number.isFinite(sec) && sec > 0) return sec * 1000;
  return undefined;
}

/** Container labels, at most `MAX_CONTAINER_LABELS` of them, string values only. */
export function containerLabels(source: unknown, omit: ReadonlySet<string> = new Set()): Record<string, string> {
  const labels: Record<string, string> = {};
  if (typeof source !== 'object' || source === null) return labels;
  const keys = Object.keys(source)
    .filter((k) => !omit.has(k) && k !== '__proto__' && k !== 'constructor' && k !== 'prototype')
    .sort();
  for (const k of keys.slice(0, MAX_CONTAINER_LABELS)) {
    const v = (source as Record<string, unknown>)[k];
    if (typeof v === 'string') labels[k] = v;
  }
  return labels;
}

/** Reads one `/events` message. Messages about images, networks or volumes are skipped. */
export function parseEngineMessage(raw: unknown): ParsedMessage {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, skip: false, error: 'an event that is not a JSON object' };
  const m = raw as Record<string, unknown>;
  const type = str(m.Type) ?? 'container';
  if (type !== 'container') return { ok: false, skip: true };
  const actor = typeof m.Actor === 'object' && m.Actor !== null ? (m.Actor as Record<string, unknown>) : {};
  const attributes = typeof actor.Attributes === 'object' && actor.Attributes !== null ? (actor.Attributes as Record<string, unknown>) : {};
  const fullAction = str(m.Action) ?? str(m.status);
  const id = str(actor.ID) ?? str(m.id);
  if (fullAction === undefined || fullAction === '') return { ok: false, skip: false, error: 'a container event without an Action' };
  if (id === undefined || id === '') return { ok: false, skip: false, error: `a container ${fullAction} event without an Actor.ID` };
  const time = messageTime(m);
  if (time === undefined) return { ok: false, skip: false, error: `a container ${fullAction} event without a time` };
  // Docker: "health_status: healthy", "exec_start: sh -c ..."; the action is the part before the colon.
  const colon = fullAction.indexOf(':');
  const action = colon < 0 ? fullAction : fullAction.slice(0, colon);
  const after = colon < 0 ? undefined : fullAction.slice(colon + 1).trim();
  const name = (str(attributes.name) ?? '').replace(/^\//, '');
  const image = str(attributes.image) ?? str(m.from) ?? '';
  let exitCode: number | undefined;
  if (action === 'die') {
    const code = Number(str(attributes.exitCode) ?? str(attributes.containerExitCode));
    if (Number.isInteger(code)) exitCode = code;
  }
  let health: string | undefined;
  const podmanHealth = action === 'health_status' ? str(m.HealthStatus) : undefined;
  if (action === 'health_status') health = podmanHealth ?? after ?? str(attributes.health_status);
  const signal = action === 'kill' ? str(attributes.signal) : undefined;
  return {
    ok: true,
    message: {
      id,
      action,
      name,
      image,
      time,
      ...(exitCode === undefined ? {} : { exitCode }),
      ...(health === undefined || health === '' ? {} : { health }),
      ...(podmanHealth === undefined ? {} : { healthStale: true }),
      ...(signal === undefined ? {} : { signal }),
      labels: containerLabels(attributes, ENGINE_ATTRIBUTES),
    },
  };
}

/** The vigil event for a reported container message (`synthetic` when re-listing found it). */
export function containerEvent(stream: string, m: ContainerMessage, synthetic = false): Record<string, unknown> {
  return {
    stream,
    time: m.time,
    container: m.name,
    id: m.id,
    image: m.image,
    action: m.action,
    ...(m.exitCode === undefined ? {} : { exitCode: m.exitCode }),
    ...(m.health === undefined ? {} : { health: m.health }),
    ...(m.signal === undefined ? {} : { signal: m.signal }),
    ...(synthetic ? { synthetic: true } : {}),
    labels: { ...m.labels },
  };
}
