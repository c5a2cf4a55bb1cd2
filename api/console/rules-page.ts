import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './client.js';
import { ago, html } from './html.js';
import type { EntryView, RuleDetail, RuleSummary } from './types.js';

/** Rules: every rule with its severity, groups, firing and pending counts. */
export function RulesPage() {
  const [rules, setRules] = useState<RuleSummary[] | null>(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    api<{ rules: RuleSummary[] }>('GET', '/v1/rules').then((r) => setRules(r.rules), (e) => setProblem(e instanceof ApiError ? e.message : String(e)));
  }, []);
  if (rules === null) return html`<p class="pad ${problem === '' ? 'muted' : 'error'}">${problem || 'Loading…'}</p>`;
  return html`<section><h1>Rules</h1>
    <table class="rules"><thead><tr><th>Rule</th><th>Where</th><th>Severity</th><th>Groups</th><th>Firing</th><th>Pending</th></tr></thead>
      <tbody>${rules.map((r) => html`<tr key=${r.name} class=${r.firing > 0 ? 'state-firing' : ''}>
        <td><a href=${`#/rules/${encodeURIComponent(r.name)}`}>${r.name}</a></td><td class="muted small" data-testid="where">${r.where ?? ''}</td><td><span class=${`sev sev-${r.severity}`}>${r.severity}</span></td>
        <td>${r.groupCount}</td><td>${r.firing}</td><td>${r.pending}</td></tr>`)}</tbody></table></section>`;
}

/** One rule: its source, each group's phase and last value, and its recent alert changes. */
export function RulePage(props: { name: string; now: number }) {
  const [rule, setRule] = useState<RuleDetail | null>(null);
  const [changes, setChanges] = useState<EntryView[]>([]);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    Promise.all([api<RuleDetail>('GET', `/v1/rules/${encodeURIComponent(props.name)}`), api<{ entries: EntryView[] }>('GET', `/v1/timeline?limit=1000&since=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`)]).then(
      ([r, t]) => {
        setRule(r);
        setChanges(t.entries.filter((e) => e.rule === props.name && (e.kind === 'pending' || e.kind === 'firing' || e.kind === 'resolved')).slice(-50).reverse());
      },
      (e) => setProblem(e instanceof ApiError ? e.message : String(e)),
    );
  }, [props.name]);
  if (rule === null) return html`<p class="pad ${problem === '' ? 'muted' : 'error'}">${problem || 'Loading…'}</p>`;
  return html`<section><p><a href="#/rules">← Rules</a></p><h1>${rule.name} <span class=${`sev sev-${rule.severity}`}>${rule.severity}</span></h1>
    <p class="muted">${rule.where === null ? '' : `${rule.where} · `}streams ${rule.streams.join(', ')} · ${rule.groupCount} groups · ${rule.firing} firing · ${rule.pending} pending</p>
    ${rule.text === null ? '' : html`<pre class="source">${rule.text}</pre>`}
    <h2>Groups</h2>
    <table><thead><tr><th>Labels</th><th>Phase</th><th>Last value</th><th>Last change</th></tr></thead>
      <tbody>${rule.groups.map((g) => html`<tr class=${`phase-${g.phase}`}><td>${Object.entries(g.labels).map(([k, v]) => html`<span class="chip">${k}=${v}</span>`)}</td>
        <td>${g.phase}</td><td>${g.value === null ? '—' : JSON.stringify(g.value)}</td><td title=${g.since}>${ago(g.since, props.now)} ago</td></tr>`)}</tbody></table>
    ${rule.truncated ? html`<p class="muted">More groups than shown.</p>` : ''}
    <h2>Recent alert changes</h2>
    ${changes.length === 0 ? html`<p class="muted">None in the recent timeline.</p>` : html`<ol class="entries">${changes.map((e) => html`<li><time>${e.time}</time> <b>${e.kind}</b> ${e.incident === null ? '' : html`<a href=${`#/incidents/${encodeURIComponent(e.incident)}`}>${e.incident}</a>`}</li>`)}</ol>`}
  </section>`;
}
