import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './client.js';
import { ago, html, until } from './html.js';
import type { CheckView } from './types.js';

/** Most checks drawn at once; the filter narrows the rest. */
const MAX_ROWS = 500;

/** A check's latency over its latest runs as a small line; a red dot for each run that was down. */
function Sparkline(props: { results: CheckView['results'] }) {
  const r = props.results;
  if (r.length < 2) return html`<span class="muted">—</span>`;
  const max = Math.max(1, ...r.map((x) => x.latencyMs));
  const x = (i: number): number => (i / (r.length - 1)) * 118 + 1;
  const y = (v: number): number => 19 - (v / max) * 18;
  return html`<svg class="spark" viewBox="0 0 120 20" width="120" height="20" aria-label="latency">
    <polyline points=${r.map((p, i) => `${x(i)},${y(p.latencyMs)}`).join(' ')} />
    ${r.map((p, i) => (p.status === 'up' ? '' : html`<circle cx=${x(i)} cy=${y(p.latencyMs)} r="2" class="down" />`))}
    <title>${r.map((p) => `${p.latencyMs} ms`).join(', ')}</title></svg>`;
}

/**
 * Checks: every health check with its status, a latency sparkline of its latest runs, the
 * last error, when it runs next and, for TLS, the days left on the certificate; down checks
 * first. Check results are not timeline entries, so this page asks again every 10 s.
 */
export function ChecksPage(props: { now: number }) {
  const [checks, setChecks] = useState<CheckView[] | null>(null);
  const [problem, setProblem] = useState('');
  const [text, setText] = useState('');
  useEffect(() => {
    const load = (): void => void api<{ checks: CheckView[] }>('GET', '/v1/checks').then((r) => setChecks(r.checks), (e) => setProblem(e instanceof ApiError ? e.message : String(e)));
    load();
    const timer = setInterval(load, 10_000);
    return () => clearInterval(timer);
  }, []);
  if (checks === null) return html`<p class="pad ${problem === '' ? 'muted' : 'error'}">${problem || 'Loading…'}</p>`;
  const last = (c: CheckView) => c.results[c.results.length - 1];
  const rank = (c: CheckView): number => (last(c) === undefined ? 1 : last(c)!.status === 'up' ? 2 : 0);
  const t = text.toLowerCase();
  const shown = checks.filter((c) => t === '' || `${c.name} ${c.target} ${c.host ?? ''} ${c.service ?? ''}`.toLowerCase().includes(t)).sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : 1));
  const down = checks.filter((c) => rank(c) === 0).length;
  return html`<section><h1>Checks</h1>
    <div class="filters"><input type="search" placeholder="Filter" aria-label="Filter" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
      <span class="muted count">${checks.length} checks, ${down} down</span></div>
    ${checks.length === 0 ? html`<p class="muted">No checks in the rules (see "check" in the rule language).</p>` : html`<table class="checks">
      <thead><tr><th>Check</th><th>Status</th><th>Latency</th><th>Last error</th><th>Next run</th><th>TLS days left</th></tr></thead>
      <tbody>${shown.slice(0, MAX_ROWS).map((c) => {
        const l = last(c);
        const error = [...c.results].reverse().find((r) => r.status !== 'up');
        return html`<tr key=${c.name} data-check=${c.name} class=${l?.status === 'up' ? '' : l === undefined ? '' : 'check-down'}>
          <td><b>${c.name}</b> <span class="muted small">${c.kind} ${c.target}</span></td>
          <td data-testid="check-status" class=${`status-${l?.status ?? 'none'}`}>${l?.status ?? 'not run yet'}</td>
          <td><${Sparkline} results=${c.results} /> ${l === undefined ? '' : html`<span class="small">${l.latencyMs} ms</span>`}</td>
          <td class="small" data-testid="check-error">${error === undefined ? '' : html`${error.message} <span class="muted">(${ago(error.time, props.now)} ago)</span>`}</td>
          <td class="small">${c.nextRunAt === null ? '—' : until(c.nextRunAt, Date.now())}</td>
          <td>${l?.daysLeft === null || l?.daysLeft === undefined ? '' : l.daysLeft}</td></tr>`;
      })}</tbody></table>`}
    ${shown.length > MAX_ROWS ? html`<p class="muted">${shown.length - MAX_ROWS} more; narrow the filter.</p>` : ''}
  </section>`;
}
