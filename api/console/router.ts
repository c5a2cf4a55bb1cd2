import { useEffect, useState } from 'preact/hooks';

/** Where the page is: a path under `#` and its query (`#/?q=disk&label=host=web1`). */
export interface Place {
  readonly path: string;
  readonly query: URLSearchParams;
}

/** The current place, read from the location's hash. */
export function currentPlace(): Place {
  const hash = location.hash.replace(/^#/, '') || '/';
  const q = hash.indexOf('?');
  return q < 0 ? { path: hash, query: new URLSearchParams() } : { path: hash.slice(0, q), query: new URLSearchParams(hash.slice(q + 1)) };
}

/** Goes to a path with a query; `replace` keeps it out of the history (typing in a filter). */
export function go(path: string, query?: URLSearchParams, replace = false): void {
  const text = query === undefined || [...query.keys()].length === 0 ? '' : `?${query.toString()}`;
  const next = `#${path}${text}`;
  if (replace) history.replaceState(null, '', next);
  else location.hash = next;
  if (replace) dispatchEvent(new HashChangeEvent('hashchange'));
}

/** The current place, re-rendered on every hash change. */
export function usePlace(): Place {
  const [place, setPlace] = useState(currentPlace);
  useEffect(() => {
    const on = (): void => setPlace(currentPlace());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return place;
}
