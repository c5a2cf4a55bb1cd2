import { render } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { ChecksPage } from './checks-page.js';
import { api, ApiError, followStream, savedToken, saveToken, type StreamStatus } from './client.js';
import { html } from './html.js';
import { IncidentPage, type EntryFeed } from './incident-page.js';
import { NowPage } from './now-page.js';
import { OpenIncidents } from './open-incidents.js';
import { usePlace } from './router.js';
import { RulePage, RulesPage } from './rules-page.js';
import { SilencesPage } from './silences-page.js';
import { StatusPage } from './status-page.js';
import type { Caller, EntryView, SilenceView } from './types.js';

/** Asks for an API token; an empty one works when the service has no tokens configured. */
function Login(props: { problem: string; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return html`<main class="login"><h1>vigil</h1>
    <form onSubmit=${(e: Event) => {
      e.preventDefault();
      props.onToken(token.trim());
    }}>
      <label>API token <input name="token" type="password" autocomplete="current-password" value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} autofocus /></label>
      <button type="submit">Log in</button>
      ${props.problem === '' ? '' : html`<p class="error" role="alert">${props.problem}</p>`}
      <p class="muted small">Kept for this tab only. A read token shows everything and changes nothing.</p>
    </form></main>`;
}

/** The console once logged in: the stream, the open incidents, the silences, and the page the URL names. */
function Console(props: { caller: Caller; logout: () => void }) {
  const place = usePlace();
  const store = useMemo(() => new OpenIncidents(), []);
  const listeners = useMemo(() => new Set<(e: EntryView) => void>(), []);
  const feed: EntryFeed = useCallback((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, []);
  const [stream, setStream] = useState<StreamStatus>('connecting');
  const [silences, setSilences] = useState<SilenceView[]>([]);
  const [now, setNow] = useState(Date.now());
  const [problem, setProblem] = useState('');
  const loadSilences = useCallback(async () => setSilences((await api<{ silences: SilenceView[] }>('GET', '/v1/silences')).silences), []);

  useEffect(() => {
    const report = (e: unknown): void => setProblem(e instanceof ApiError ? e.message : String(e));
    // The list loads while the stream connects; each reconnection reloads it, since what
    // happened while away is in it.
    let connected = false;
    store.load().catch(report);
    const stop = followStream(
      (entry) => {
        store.apply(entry);
        for (const l of listeners) l(entry);
      },
      (status) => {
        setStream(status);
        if (status !== 'live') return;
        if (connected && store.complete) store.load().catch(report);
        connected = true;
      },
    );
    void loadSilences().catch(() => undefined);
    const tick = setInterval(() => setNow(Date.now()), 15_000);
    return () => {
      stop();
      clearInterval(tick);
    };
  }, []);

  const canWrite = props.caller.role !== 'read';
  const path = place.path;
  let page;
  const incident = /^\/incidents\/(.+)$/.exec(path);
  const rule = /^\/rules\/(.+)$/.exec(path);
  if (incident !== null) page = html`<${IncidentPage} key=${incident[1]} id=${decodeURIComponent(incident[1]!)} place=${place} caller=${props.caller} feed=${feed} now=${now} onSilenced=${loadSilences} />`;
  else if (path === '/rules') page = html`<${RulesPage} />`;
  else if (rule !== null) page = html`<${RulePage} key=${rule[1]} name=${decodeURIComponent(rule[1]!)} now=${now} />`;
  else if (path === '/checks') page = html`<${ChecksPage} now=${now} />`;
  else if (path === '/silences') page = html`<${SilencesPage} silences=${silences} store=${store} canWrite=${canWrite} reload=${loadSilences} />`;
  else page = html`<${NowPage} store=${store} place=${place} silences=${silences} canWrite=${canWrite} now=${now} />`;
  const tab = (href: string, name: string, on: boolean) => html`<a href=${href} class=${on ? 'on' : ''}>${name}</a>`;
  return html`<header>
      <b class="brand">vigil</b>
      <nav>${tab('#/', 'Now', path === '/' || incident !== null)}${tab('#/rules', 'Rules', rule !== null || path === '/rules')}${tab('#/checks', 'Checks', path === '/checks')}${tab('#/silences', 'Silences', path === '/silences')}</nav>
      <span class=${`stream stream-${stream}`} data-testid="stream" title="Live updates">${stream === 'live' ? '● live' : stream === 'lost' ? '○ reconnecting' : '○ connecting'}</span>
      <span class="muted">${props.caller.name} (${props.caller.role})</span>
      <button class="link" onClick=${props.logout}>Log out</button>
    </header>
    ${problem === '' ? '' : html`<p class="error pad" role="alert">${problem}</p>`}
    <main>${page}</main>`;
}

/** The root: the public status page at /status; else login, then the console. */
function App() {
  const [caller, setCaller] = useState<Caller | null>(null);
  const [problem, setProblem] = useState('');
  const [checking, setChecking] = useState(true);
  const tryToken = useCallback(async (token: string) => {
    saveToken(token);
    setChecking(true);
    try {
      setCaller(await api<Caller>('GET', '/v1/whoami'));
      setProblem('');
    } catch (e) {
      saveToken('');
      setCaller(null);
      // Without a saved token the first check only tells whether one is needed.
      setProblem(token === '' ? '' : e instanceof ApiError ? e.message : String(e));
    }
    setChecking(false);
  }, []);
  useEffect(() => void tryToken(savedToken()), []);
  if (location.pathname === '/status') return html`<${StatusPage} />`;
  if (checking) return html`<p class="muted pad">Loading…</p>`;
  if (caller === null) return html`<${Login} problem=${problem} onToken=${tryToken} />`;
  return html`<${Console} caller=${caller} logout=${() => {
    saveToken('');
    setCaller(null);
  }} />`;
}

render(html`<${App} />`, document.getElementById('app')!);
