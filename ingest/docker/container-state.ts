/**
 * What vigil knows of each container (name, image, labels, running or not, health), kept
 * from the events it read and from `/containers/json`, and the comparison that finds the
 * state changes a gap in the event stream hid. Plain data and pure functions.
 */

import { containerLabels, type ContainerMessage } from './container-event.js';

/** One container as vigil last knew it. */
export interface KnownContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly running: boolean;
  readonly health?: string;
}

/** A state change found by re-listing: the container as listed and what changed. */
export interface MissedChange {
  readonly action: 'start' | 'die' | 'health_status';
  readonly container: KnownContainer;
}

/** Engine states in which a container's process runs (`restarting` is between two runs). */
const RUNNING_STATES: ReadonlySet<string> = new Set(['running', 'paused']);

/** Health as the engines print it in a listing's `Status`: `Up 2 minutes (healthy)`, `(health: starting)`. */
function listedHealth(status: string): string | undefined {
  const m = /\((healthy|unhealthy|health: starting)\)/.exec(status);
  if (m === null) return undefined;
  return m[1] === 'health: starting' ? 'starting' : m[1];
}

/** Reads one entry of `/containers/json`; undefined for an entry without an `Id`. */
export function listedContainer(raw: unknown): KnownContainer | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const c = raw as Record<string, unknown>;
  if (typeof c.Id !== 'string' || c.Id === '') return undefined;
  const names = Array.isArray(c.Names) ? c.Names.filter((n): n is string => typeof n === 'string') : [];
  const state = typeof c.State === 'string' ? c.State : '';
  const health = listedHealth(typeof c.Status === 'string' ? c.Status : '');
  return {
    id: c.Id,
    name: (names[0] ?? '').replace(/^\//, ''),
    image: typeof c.Image === 'string' ? c.Image : '',
    labels: containerLabels(c.Labels),
    running: RUNNING_STATES.has(state),
    ...(health === undefined ? {} : { health }),
  };
}

/**
 * What a container message tells of the container: `start` and `restart` make it run,
 * `die` stops it, `health_status` sets its health, `destroy` forgets it.
 */
export function applyMessage(known: Map<string, KnownContainer>, m: ContainerMessage): void {
  const prev = known.get(m.id);
  if (m.action === 'destroy' || m.action === 'remove') {
    known.delete(m.id);
    return;
  }
  const base: KnownContainer = prev ?? { id: m.id, name: m.name, image: m.image, labels: m.labels, running: false };
  const name = m.name !== '' ? m.name : base.name;
  const image = m.image !== '' ? m.image : base.image;
  const labels = Object.keys(m.labels).length > 0 ? m.labels : base.labels;
  let { running, health } = base;
  if (m.action === 'start' || m.action === 'restart' || m.action === 'unpause') running = true;
  if (m.action === 'die') {
    running = false;
    health = undefined;
  }
  if (m.action === 'health_status' && m.health !== undefined) health = m.health;
  known.set(m.id, { id: m.id, name, image, labels, running, ...(health === undefined ? {} : { health }) });
}

/**
 * Compares a fresh listing with what vigil knew before the stream broke: a container
 * that ran and now does not died (or was removed) in the gap; one that did not run (or
 * was unknown) and now runs started; a changed health is a health change. Containers in
 * `described` had events since the stream came back: those events tell their story, so
 * the listing is not compared for them. Returns the changes and the new knowledge.
 */
export function missedChanges(
  known: ReadonlyMap<string, KnownContainer>,
  listed: readonly KnownContainer[],
  described: ReadonlySet<string>,
): { changes: MissedChange[]; next: Map<string, KnownContainer> } {
  const changes: MissedChange[] = [];
  const next = new Map<string, KnownContainer>();
  for (const now of listed) {
    next.set(now.id, now);
    if (described.has(now.id)) continue;
    const before = known.get(now.id);
    const wasRunning = before?.running === true;
    if (wasRunning && !now.running) changes.push({ action: 'die', container: now });
    else if (!wasRunning && now.running) changes.push({ action: 'start', container: now });
    if (now.running && now.health !== undefined && now.health !== before?.health) changes.push({ action: 'health_status', container: now });
  }
  for (const before of known.values()) {
    if (next.has(before.id) || described.has(before.id)) continue;
    // Removed during the gap: if it ran, it died first.
    if (before.running) changes.push({ action: 'die', container: { ...before, running: false } });
  }
  return { changes, next };
}
