import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './client.js';
import { html } from './html.js';
import type { StatusPageData } from './types.js';

const WORD = { up: 'Operational', degraded: 'Degraded', down: 'Down' } as const;

/**
 * The public status page (`/status`): per configured service group, each service's state
 * now and a bar per day for 90 days, refreshed every minute. It reads only
 * `GET /v1/status-page`, which carries the configured names and states, never labels.
 */
export function StatusPage() {
  const [data, setData] = useState<StatusPageData | null>(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    const load = (): void => void api<StatusPageData>('GET', '/v1/status-page').then(setData, (e) => setProblem(e instanceof ApiError ? e.message : String(e)));
    load();
    const timer = setInterval(load, 60_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => void (document.title = data?.title ?? 'Status'), [data?.title]);
  if (data === null) return html`<p class="pad ${problem === '' ? 'muted' : 'error'}">${problem || 'Loading…'}</p>`;
  return html`<main class="status-page"><h1>${data.title}</h1>
    ${data.groups.map((g) => html`<section class="status-group"><h2>${g.name}</h2>
      ${g.services.map((s) => html`<div class="service" data-service=${s.name}>
        <p><b>${s.name}</b> <span class=${`status status-${s.status}`} data-testid="service-status">${WORD[s.status]}</span></p>
        <div class="bars">${s.days.map((d) => html`<span class=${`bar status-${d.status}`} title=${`${d.day}: ${WORD[d.status]}`}></span>`)}</div>
        <p class="muted small"><span>90 days ago</span><span class="right">today</span></p>
      </div>`)}
    </section>`)}
    <p class="muted small">Updated ${new Date(data.updatedAt).toLocaleString(undefined, { hour12: false })}</p></main>`;
}
