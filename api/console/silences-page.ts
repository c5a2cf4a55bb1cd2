import { useState } from 'preact/hooks';
import { alertmanagerLabels } from '../../engine/alertmanager-labels.js';
import { api, ApiError } from './client.js';
import { clock, html } from './html.js';
import { silenceMatchesLabels } from './matchers.js';
import type { OpenIncidents } from './open-incidents.js';
import type { SilenceView } from './types.js';

/** Parses `name=value` / `name=~regex` / `name!=value` / `name!~regex` (one per comma) into matchers. */
export function parseMatchers(text: string): { name: string; value: string; isRegex: boolean; isEqual: boolean }[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?$/.exec(part);
      if (m === null) throw new Error(`not a matcher: ${part}`);
      return { name: m[1]!, value: m[3]!, isRegex: m[2]!.endsWith('~'), isEqual: m[2]!.startsWith('=') };
    });
}

/**
 * Silences: each with its matchers, status and what it currently matches among the open
 * incidents; create one (matchers, duration, comment) and expire one. Maintenance windows
 * live in the rule files, in git.
 */
export function SilencesPage(props: { silences: readonly SilenceView[]; store: OpenIncidents; canWrite: boolean; reload: () => Promise<void> }) {
  const [text, setText] = useState('');
  const [hours, setHours] = useState(2);
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState('');
  const open = props.store.list();
  const matched = (s: SilenceView) =>
    open.filter((inc) => silenceMatchesLabels(s, alertmanagerLabels({ rule: inc.rule, labels: inc.labels, ...(inc.posted === undefined ? {} : { posted: inc.posted as never }) })));
  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    try {
      await api('POST', '/v1/silences', { matchers: parseMatchers(text), endsAt: new Date(Date.now() + hours * 3_600_000).toISOString(), comment: comment || 'from the console' });
      setText('');
      setComment('');
      setProblem('');
      await props.reload();
    } catch (err) {
      setProblem(err instanceof ApiError || err instanceof Error ? err.message : String(err));
    }
  };
  const shown = props.silences.filter((s) => s.status !== 'expired');
  return html`<section><h1>Silences</h1>
    ${problem === '' ? '' : html`<p class="error" role="alert">${problem}</p>`}
    ${props.canWrite
      ? html`<form class="panel" onSubmit=${create}>
          <label>Matchers <input name="matchers" placeholder='alertname=minitwit_down, host=web1' value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} /></label>
          <label>For <input type="number" min="1" max="720" value=${String(hours)} onInput=${(e: Event) => setHours(Number((e.target as HTMLInputElement).value) || 1)} /> h</label>
          <label>Comment <input name="comment" value=${comment} onInput=${(e: Event) => setComment((e.target as HTMLInputElement).value)} /></label>
          <button type="submit">Create silence</button></form>`
      : ''}
    ${shown.length === 0 ? html`<p class="muted">No active or pending silences.</p>` : html`<table><thead><tr><th>Matchers</th><th>Status</th><th>Until</th><th>By</th><th>Comment</th><th>Matches now</th><th></th></tr></thead>
      <tbody>${shown.map((s) => {
        const hits = matched(s);
        return html`<tr data-silence=${s.id}><td>${s.matchers.map((m) => html`<span class="chip">${m.name}${m.isEqual === false ? '!' : '='}${m.isRegex ? '~' : ''}${m.value}</span>`)}</td>
          <td>${s.status}</td><td>${clock(s.endsAt)}</td><td>${s.createdBy}</td><td>${s.comment}</td>
          <td>${hits.length === 0 ? html`<span class="muted">nothing open</span>` : hits.slice(0, 5).map((inc) => html`<a class="chip" href=${`#/incidents/${encodeURIComponent(inc.id)}`}>${inc.id}</a>`)}${hits.length > 5 ? ` +${hits.length - 5}` : ''}</td>
          <td>${props.canWrite ? html`<button onClick=${() => api('DELETE', `/v1/silences/${encodeURIComponent(s.id)}`).then(props.reload, (err) => setProblem(String(err)))}>Expire</button>` : ''}</td></tr>`;
      })}</tbody></table>`}
  </section>`;
}
