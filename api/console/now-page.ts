import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { alertmanagerLabels } from '../../engine/alertmanager-labels.js';
import { ago, html, shownLabels } from './html.js';
import { silenceMatchesLabels } from './matchers.js';
import type { OpenIncidents } from './open-incidents.js';
import { go, type Place } from './router.js';
import type { IncidentView, SilenceView } from './types.js';

/** Rows drawn at once: an on-call engineer reads the top; the filter narrows the rest. */
export const MAX_ROWS = 200;

/** The state word of a row: acknowledged or firing, and silenced/suppressed when held. */
export function rowState(inc: IncidentView, heldBy: string | undefined, silences: readonly SilenceView[]): string {
  if (heldBy !== undefined) return heldBy.startsWith('suppressed') ? 'suppressed' : 'silenced';
  const labels = alertmanagerLabels({ rule: inc.rule, labels: inc.labels, ...(inc.posted === undefined ? {} : { posted: inc.posted as never }) });
  if (silences.some((s) => s.status === 'active' && silenceMatchesLabels(s, labels))) return 'silenced';
  return inc.state;
}

/** Whether an incident passes the filter: every `name=value` label and the free text (in summary, rule or a label value). */
export function passes(inc: IncidentView, labels: readonly [string, string][], text: string): boolean {
  for (const [k, v] of labels) if (inc.labels[k] !== v) return false;
  if (text === '') return true;
  const t = text.toLowerCase();
  if (inc.summary.toLowerCase().includes(t) || inc.rule.toLowerCase().includes(t)) return true;
  return Object.values(inc.labels).some((v) => v.toLowerCase().includes(t));
}

/** The label filters of a place's query (`label=host=web1`, repeated). */
function labelFilters(query: URLSearchParams): [string, string][] {
  return query.getAll('label').flatMap((l) => {
    const eq = l.indexOf('=');
    return eq <= 0 ? [] : [[l.slice(0, eq), l.slice(eq + 1)] as [string, string]];
  });
}

/**
 * Now: the open incidents, most severe and newest first, live from the event stream.
 * Filter by label (click a label) and free text; both live in the URL, so a filtered view
 * can be shared. Keys: j/k move, Enter opens, a acknowledges, s silences, / filters.
 */
export function NowPage(props: { store: OpenIncidents; place: Place; silences: readonly SilenceView[]; canWrite: boolean; now: number }) {
  const { store, place, silences, now } = props;
  const text = place.query.get('q') ?? '';
  const labels = labelFilters(place.query);
  const [, setVersion] = useState(store.version);
  const [selected, setSelected] = useState(0);
  const filterBox = useRef<HTMLInputElement>(null);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);

  const shown = useMemo(() => store.list().filter((inc) => passes(inc, labels, text)), [store.version, place.query.toString()]);
  const rows = shown.slice(0, MAX_ROWS);

  const setQuery = (mutate: (q: URLSearchParams) => void, replace = false): void => {
    const q = new URLSearchParams(place.query);
    mutate(q);
    go('/', q, replace);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.ctrlKey || e.metaKey || e.altKey) return;
      const current = rows[Math.min(selected, rows.length - 1)];
      if (e.key === 'j') setSelected((s) => Math.min(s + 1, rows.length - 1));
      else if (e.key === 'k') setSelected((s) => Math.max(s - 1, 0));
      else if (e.key === '/') {
        e.preventDefault();
        filterBox.current?.focus();
      } else if (current !== undefined && e.key === 'Enter') go(`/incidents/${encodeURIComponent(current.id)}`);
      else if (current !== undefined && props.canWrite && (e.key === 'a' || e.key === 's')) go(`/incidents/${encodeURIComponent(current.id)}`, new URLSearchParams({ do: e.key === 'a' ? 'ack' : 'silence' }));
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [rows, selected, props.canWrite]);

  if (!store.loaded) return html`<p class="muted pad">Loading open incidents…</p>`;
  return html`
    <section class="now">
      <div class="filters">
        <input ref=${filterBox} type="search" placeholder="Filter (/)" aria-label="Filter" value=${text}
          onInput=${(e: Event) => setQuery((q) => ((e.target as HTMLInputElement).value === '' ? q.delete('q') : q.set('q', (e.target as HTMLInputElement).value)), true)} />
        ${labels.map(([k, v]) => html`<button class="chip on" title="Remove this filter" onClick=${() => setQuery((q) => {
          const rest = q.getAll('label').filter((l) => l !== `${k}=${v}`);
          q.delete('label');
          for (const l of rest) q.append('label', l);
        })}>${k}=${v} ×</button>`)}
        <span class="muted count" data-testid="open-count">${shown.length} open${shown.length !== store.incidents.size ? ` of ${store.incidents.size}` : ''}${store.complete ? '' : ', loading…'}</span>
      </div>
      ${shown.length === 0 && !store.complete
        ? html`<p class="muted pad">Loading open incidents…</p>`
        : shown.length === 0
        ? html`<p class="calm pad">${store.incidents.size === 0 ? 'Nothing is open. All quiet.' : 'Nothing open matches the filter.'}</p>`
        : html`<table class="incidents">
            <thead><tr><th>Severity</th><th>Summary</th><th>Labels</th><th>Age</th><th>State</th><th>Owner</th></tr></thead>
            <tbody>
              ${rows.map((inc, i) => {
                const state = rowState(inc, store.heldBy.get(inc.id), silences);
                return html`<tr key=${inc.id} data-incident=${inc.id} class=${`${i === selected ? 'selected ' : ''}state-${state}`} onClick=${() => go(`/incidents/${encodeURIComponent(inc.id)}`)}>
                  <td><span class=${`sev sev-${inc.severity}`}>${inc.severity}</span></td>
                  <td class="summary"><a href=${`#/incidents/${encodeURIComponent(inc.id)}`}>${inc.summary || inc.rule}</a></td>
                  <td class="labels">${shownLabels(inc.labels).map(([k, v]) => html`<button class="chip" title="Show only these" onClick=${(e: Event) => {
                    e.stopPropagation();
                    setQuery((q) => q.append('label', `${k}=${v}`));
                  }}>${k}=${v}</button>`)}</td>
                  <td class="age" title=${inc.openedAt}>${ago(inc.openedAt, now)}</td>
                  <td class="state" data-testid="state">${state}</td>
                  <td class="owner">${inc.ackedBy ?? ''}</td>
                </tr>`;
              })}
            </tbody>
          </table>
          ${shown.length > rows.length ? html`<p class="muted pad">${shown.length - rows.length} more; narrow the filter to see them.</p>` : ''}`}
    </section>`;
}
