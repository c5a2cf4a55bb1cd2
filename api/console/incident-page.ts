import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { alertmanagerLabels } from '../../engine/alertmanager-labels.js';
import { api, ApiError } from './client.js';
import { ago, clock, html, shownLabels } from './html.js';
import { go, type Place } from './router.js';
import { TimelinePicture } from './timeline-picture.js';
import type { Caller, EntryView, IncidentDetail, RunView } from './types.js';

/** Subscribes to the stream's entries (the app's one stream); returns the unsubscribe. */
export type EntryFeed = (listener: (entry: EntryView) => void) => () => void;

/** Silence durations offered, in hours. */
const SILENCE_HOURS = [1, 2, 4, 8, 24];

/** Labels a "silence like this" proposes by default: the alert's identity, not its severity. */
function proposedMatchers(detail: IncidentDetail): { name: string; value: string; on: boolean }[] {
  const labels = alertmanagerLabels({ rule: detail.rule, labels: detail.labels, ...(detail.posted === undefined ? {} : { posted: detail.posted as never }) });
  return Object.entries(labels).map(([name, value]) => ({ name, value, on: name !== 'severity' && name !== 'rule' }));
}

/** What one timeline entry says, in a line. */
function entryText(e: EntryView): string {
  const d = e.detail as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of ['by', 'why', 'text', 'channel', 'step', 'what', 'state', 'code', 'error', 'reason', 'value']) {
    const v = d[key];
    if (v !== undefined && v !== null && v !== '') parts.push(`${key}: ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.join(' · ');
}

/**
 * One incident: its timeline as a picture and as a list, the playbook runs for it, and
 * the actions the caller's role allows (acknowledge with a note, resolve, silence like
 * this, approve a waiting run). Keys: a acknowledge, s silence, Esc back to Now.
 */
export function IncidentPage(props: { id: string; place: Place; caller: Caller; feed: EntryFeed; now: number; onSilenced: () => void }) {
  const { id, caller } = props;
  const canWrite = caller.role !== 'read';
  const canApprove = caller.role === 'admin';
  const [detail, setDetail] = useState<IncidentDetail | null>(null);
  const [runs, setRuns] = useState<RunView[]>([]);
  const [problem, setProblem] = useState('');
  const [form, setForm] = useState<'' | 'ack' | 'silence'>((props.place.query.get('do') as 'ack' | 'silence' | null) ?? '');
  const [note, setNote] = useState('');
  const [matchers, setMatchers] = useState<{ name: string; value: string; on: boolean }[]>([]);
  const [hours, setHours] = useState(2);
  const [done, setDone] = useState('');
  const noteBox = useRef<HTMLTextAreaElement>(null);

  const load = useCallback(async () => {
    try {
      const [d, r] = await Promise.all([api<IncidentDetail>('GET', `/v1/incidents/${encodeURIComponent(id)}`), api<{ runs: RunView[] }>('GET', '/v1/playbooks/runs?limit=1000')]);
      setDetail(d);
      setRuns(r.runs.filter((run) => run.incident === id));
      setProblem('');
    } catch (e) {
      setProblem(e instanceof ApiError ? e.message : String(e));
    }
  }, [id]);

  useEffect(() => {
    void load();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Entries of this incident come in bursts (a step and its outcome): one reload per burst.
    const off = props.feed((entry) => {
      if (entry.incident !== id || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        void load();
      }, 50);
    });
    return () => {
      off();
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [id]);

  useEffect(() => {
    if (detail !== null && matchers.length === 0) setMatchers(proposedMatchers(detail));
  }, [detail]);
  useEffect(() => {
    if (form === 'ack') noteBox.current?.focus();
  }, [form]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        if (form !== '') setForm('');
        else go('/');
        return;
      }
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.ctrlKey || e.metaKey || e.altKey || !canWrite) return;
      if (e.key === 'a') setForm('ack');
      else if (e.key === 's') setForm('silence');
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [form, canWrite]);

  const act = async (what: string, call: () => Promise<unknown>): Promise<void> => {
    try {
      await call();
      setDone(what);
      setForm('');
      setProblem('');
      await load();
    } catch (e) {
      setProblem(e instanceof ApiError ? `${what}: ${e.message}` : String(e));
    }
  };

  if (detail === null) return html`<p class="pad ${problem === '' ? 'muted' : 'error'}">${problem === '' ? 'Loading…' : problem}</p>`;
  const open = detail.state !== 'resolved';
  const waiting = runs.filter((r) => r.state === 'awaiting_approval');
  return html`
    <section class="incident">
      <p><a href="#/">← Now</a></p>
      <h1><span class=${`sev sev-${detail.severity}`}>${detail.severity}</span> ${detail.summary || detail.rule}</h1>
      <p class="facts">
        <span data-testid="incident-state" class=${`state-${detail.state}`}>${detail.state}</span>
        · rule <a href=${`#/rules/${encodeURIComponent(detail.rule)}`}>${detail.rule}</a>
        · opened ${clock(detail.openedAt)} (${ago(detail.openedAt, props.now)} ago)
        ${detail.ackedBy === null ? '' : html` · acknowledged by <b>${detail.ackedBy}</b>`}
        ${detail.resolvedAt === null ? '' : html` · resolved ${clock(detail.resolvedAt)} by ${detail.resolvedBy}`}
        ${detail.notification?.heldBy ? html` · <span class="held">held by ${detail.notification.heldBy}</span>` : ''}
      </p>
      <p class="labels">${shownLabels(detail.labels).map(([k, v]) => html`<span class="chip">${k}=${v}</span>`)}</p>
      ${problem === '' ? '' : html`<p class="error" role="alert">${problem}</p>`}
      ${done === '' ? '' : html`<p class="ok" role="status">${done}: done</p>`}
      ${canWrite && open
        ? html`<div class="actions">
            ${detail.state === 'firing' ? html`<button data-action="ack" onClick=${() => setForm('ack')}>Acknowledge <kbd>a</kbd></button>` : ''}
            <button data-action="silence" onClick=${() => setForm('silence')}>Silence like this <kbd>s</kbd></button>
            <button data-action="resolve" onClick=${() => act('resolve', () => api('POST', `/v1/incidents/${encodeURIComponent(id)}/resolve`, { reason: 'resolved from the console' }))}>Resolve</button>
          </div>`
        : ''}
      ${form === 'ack' && canWrite
        ? html`<form class="panel" onSubmit=${(e: Event) => {
            e.preventDefault();
            void act('acknowledge', () => api('POST', `/v1/incidents/${encodeURIComponent(id)}/ack`, note === '' ? {} : { reason: note }));
          }}>
            <label>Note <textarea ref=${noteBox} name="note" rows="2" value=${note} onInput=${(e: Event) => setNote((e.target as HTMLTextAreaElement).value)}></textarea></label>
            <button type="submit" data-action="ack-submit">Acknowledge</button> <button type="button" onClick=${() => setForm('')}>Cancel</button>
          </form>`
        : ''}
      ${form === 'silence' && canWrite
        ? html`<form class="panel" onSubmit=${(e: Event) => {
            e.preventDefault();
            const chosen = matchers.filter((m) => m.on).map((m) => ({ name: m.name, value: m.value, isRegex: false, isEqual: true }));
            void act('silence', async () => {
              await api('POST', '/v1/silences', { matchers: chosen, endsAt: new Date(Date.now() + hours * 3_600_000).toISOString(), comment: note === '' ? `like ${id}` : note });
              props.onSilenced();
            });
          }}>
            <fieldset><legend>Matchers</legend>
              ${matchers.map((m, i) => html`<label class="matcher"><input type="checkbox" checked=${m.on} onChange=${() => setMatchers(matchers.map((x, j) => (j === i ? { ...x, on: !x.on } : x)))} /> ${m.name}="${m.value}"</label>`)}
            </fieldset>
            <label>For <select value=${String(hours)} onChange=${(e: Event) => setHours(Number((e.target as HTMLSelectElement).value))}>${SILENCE_HOURS.map((h) => html`<option value=${String(h)}>${h} h</option>`)}</select></label>
            <label>Comment <input name="comment" value=${note} placeholder=${`like ${id}`} onInput=${(e: Event) => setNote((e.target as HTMLInputElement).value)} /></label>
            <button type="submit" data-action="silence-submit">Silence</button> <button type="button" onClick=${() => setForm('')}>Cancel</button>
          </form>`
        : ''}
      <${TimelinePicture} entries=${detail.timeline} openedAt=${detail.openedAt} resolvedAt=${detail.resolvedAt} now=${props.now} />
      ${runs.length === 0
        ? ''
        : html`<h2>Playbook runs</h2>
          ${runs.map((run) => html`<div class="run" data-run=${run.id}>
            <p><b>${run.playbook}</b> <span class=${`run-${run.state}`} data-testid="run-state">${run.state.replace('_', ' ')}</span>${run.approvedBy === null ? '' : ` · approved by ${run.approvedBy}`}${run.reason === null ? '' : ` · ${run.reason}`}
              ${run.state === 'awaiting_approval' && canApprove ? html` <button data-action="approve" onClick=${() => act('approve', () => api('POST', `/v1/playbooks/runs/${encodeURIComponent(run.id)}/approve`, {}))}>Approve</button>` : ''}</p>
            <ol class="steps">${run.steps.map((s) => html`<li class=${`step-${s.state}`}>${s.kind} ${s.what} — ${s.state}${s.error === null ? '' : ` (${s.error})`}${s.output === '' ? '' : html`<pre>${s.output}</pre>`}</li>`)}</ol>
          </div>`)}
          ${waiting.length > 0 && !canApprove ? html`<p class="muted">Approving a run needs an admin token.</p>` : ''}`}
      <h2>Timeline</h2>
      <ol class="entries">
        ${detail.timeline.map((e) => html`<li data-kind=${e.kind}><time title=${e.time}>${clock(e.time)}</time> <b>${e.kind}</b> <span class="muted">${entryText(e)}</span>${typeof (e.detail as Record<string, unknown>).output === 'string' && (e.detail as Record<string, string>).output !== '' ? html`<pre>${(e.detail as Record<string, string>).output}</pre>` : ''}</li>`)}
      </ol>
    </section>`;
}
