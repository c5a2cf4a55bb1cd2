import type { Event } from './model/event.js';
import type { RuleSpec, SelectorSpec } from './rule-spec.js';

/** Where a routed event goes: a target and the match bit set it gets. */
export interface RouteTarget {
  onEvent(event: Event, match: number): void;
}

interface Entry {
  readonly target: RouteTarget;
  /** Match bits for the event, 0 when it does not match. */
  readonly test: (e: Event) => number;
}

interface FieldIndex {
  readonly field: string;
  readonly get: (e: Event) => unknown;
  readonly byValue: Map<string, Entry[]>;
}

interface StreamRoutes {
  readonly unindexed: Entry[];
  /** An array, not a map: routing walks it per event without allocating an iterator. */
  readonly indexes: FieldIndex[];
}

/** The match bits of the selectors in `parts` for an event. */
function bitsOf(parts: readonly { s: SelectorSpec; bit: number }[]): (e: Event) => number {
  return (e) => {
    let bits = 0;
    for (const { s, bit } of parts) if (s.match(e)) bits |= bit;
    return bits;
  };
}

/**
 * Sends each event only to the rules that can match it: rules are indexed by stream, and
 * by one equality test on a field (`name == "cpu"`) where their selector has one, so an
 * event looks up its own field values instead of testing every rule.
 */
export class Router {
  private readonly streams = new Map<string, StreamRoutes>();

  /** Registers a rule's selectors for `target`. */
  add(rule: RuleSpec, target: RouteTarget): void {
    if (rule.selectors.length === 1) {
      const selector = rule.selectors[0]!;
      const routes = this.routesOf(selector.stream);
      const index = selector.index;
      if (index === undefined) {
        const match = selector.match;
        routes.unindexed.push({ target, test: (e) => (match(e) ? 1 : 0) });
        return;
      }
      const rest = index.rest;
      this.indexed(routes, index, index.value, { target, test: rest === null ? () => 1 : (e) => (rest(e) ? 1 : 0) });
      return;
    }
    // Several selectors: one entry per distinct stream computes all the bits, so an event
    // matching two selectors of one rule is delivered once. Where every selector on that
    // stream has an equality on the same field, the entry is indexed per value: an event has
    // one value for the field, so it still reaches the rule at most once.
    const streams = new Set(rule.selectors.map((s) => s.stream));
    for (const stream of streams) {
      const parts = rule.selectors
        .map((s, i) => ({ s, bit: 1 << i }))
        .filter(({ s }) => s.stream === stream) as { s: SelectorSpec; bit: number }[];
      const routes = this.routesOf(stream);
      const field = parts[0]!.s.index?.field;
      if (field !== undefined && parts.every(({ s }) => s.index?.field === field)) {
        const byValue = new Map<string, { s: SelectorSpec; bit: number }[]>();
        for (const part of parts) {
          const value = part.s.index!.value;
          byValue.set(value, [...(byValue.get(value) ?? []), part]);
        }
        for (const [value, same] of byValue) this.indexed(routes, parts[0]!.s.index!, value, { target, test: bitsOf(same) });
        continue;
      }
      routes.unindexed.push({ target, test: bitsOf(parts) });
    }
  }

  /** Delivers `event` to every target whose selector matches it. */
  route(event: Event): void {
    const routes = this.streams.get(event.stream);
    if (routes === undefined) return;
    const unindexed = routes.unindexed;
    for (let i = 0; i < unindexed.length; i++) {
      const entry = unindexed[i]!;
      const bits = entry.test(event);
      if (bits !== 0) entry.target.onEvent(event, bits);
    }
    const indexes = routes.indexes;
    for (let k = 0; k < indexes.length; k++) {
      const index = indexes[k]!;
      const v = index.get(event);
      if (typeof v !== 'string') continue;
      const list = index.byValue.get(v);
      if (list === undefined) continue;
      for (let i = 0; i < list.length; i++) {
        const entry = list[i]!;
        const bits = entry.test(event);
        if (bits !== 0) entry.target.onEvent(event, bits);
      }
    }
  }

  /** Adds `entry` under `value` of the index on `index.field`, making that index when new. */
  private indexed(routes: StreamRoutes, index: NonNullable<SelectorSpec['index']>, value: string, entry: Entry): void {
    let fieldIndex = routes.indexes.find((f) => f.field === index.field);
    if (fieldIndex === undefined) {
      fieldIndex = { field: index.field, get: index.get, byValue: new Map() };
      routes.indexes.push(fieldIndex);
    }
    let list = fieldIndex.byValue.get(value);
    if (list === undefined) fieldIndex.byValue.set(value, (list = []));
    list.push(entry);
  }

  private routesOf(stream: string): StreamRoutes {
    let routes = this.streams.get(stream);
    if (routes === undefined) {
      routes = { unindexed: [], indexes: [] };
      this.streams.set(stream, routes);
    }
    return routes;
  }
}
