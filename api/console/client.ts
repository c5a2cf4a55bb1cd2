import { createParser } from 'eventsource-parser';
import type { EntryView } from './types.js';

const TOKEN_KEY = 'vigil.token';

/** The API token the user logged in with, kept for this tab only (sessionStorage). */
export function savedToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

/** Keeps (or, with '', forgets) the token for this tab. */
export function saveToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** An answer of the API that is not 2xx: its status, code and message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function headers(json: boolean): Record<string, string> {
  const token = savedToken();
  return { ...(token === '' ? {} : { authorization: `Bearer ${token}` }), ...(json ? { 'content-type': 'application/json' } : {}) };
}

/** Calls the API with the user's token; throws ApiError with the registry's code on failure. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, { method, headers: headers(body !== undefined), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await response.text();
  const json = text === '' ? undefined : (JSON.parse(text) as unknown);
  if (!response.ok) {
    const e = (json ?? {}) as { code?: string; error?: string };
    throw new ApiError(response.status, e.code ?? 'HTTP', e.error ?? `HTTP ${response.status}`);
  }
  return json as T;
}

/** What the stream reports besides entries: connected, or lost (and retrying). */
export type StreamStatus = 'connecting' | 'live' | 'lost';

/**
 * Follows `GET /v1/stream`. EventSource cannot send an Authorization header, so the stream
 * is read with fetch and parsed by eventsource-parser; when it drops it reconnects with
 * `Last-Event-ID`, so no entry is missed. Returns a function that stops it.
 */
export function followStream(onEntry: (entry: EntryView) => void, onStatus: (status: StreamStatus) => void): () => void {
  const abort = new AbortController();
  let lastId: string | undefined;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      onStatus('connecting');
      try {
        const response = await fetch('/v1/stream', { headers: { ...headers(false), ...(lastId === undefined ? {} : { 'last-event-id': lastId }) }, signal: abort.signal });
        if (!response.ok || response.body === null) throw new ApiError(response.status, 'HTTP', `stream: HTTP ${response.status}`);
        onStatus('live');
        const parser = createParser({
          onEvent: (message) => {
            if (message.id !== undefined) lastId = message.id;
            if (message.event !== 'timeline') return;
            try {
              onEntry(JSON.parse(message.data) as EntryView);
            } catch (e) {
              console.error('vigil: a stream entry could not be shown', e);
            }
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch (e) {
        if (abort.signal.aborted) return;
        console.warn('vigil: stream lost', e);
      }
      onStatus('lost');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };
  void run();
  return () => abort.abort();
}
