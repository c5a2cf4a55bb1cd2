/**
 * One abort listener per long-lived signal, however many operations wait on it.
 *
 * The delivery pipeline and the step driver hand one signal (aborted at shutdown) to every
 * send and step. Each of those adding its own listener means a backlog of slow sends puts
 * dozens of listeners on that signal at once, and Node warns
 * (`MaxListenersExceededWarning`) past ten, although each is removed when its send ends.
 * Here the signal gets a single listener that calls the hooks registered at the time;
 * the listener goes when the last hook is unhooked.
 */

const hooks = new WeakMap<AbortSignal, { readonly calls: Set<() => void>; readonly listener: () => void }>();

/**
 * Calls `hook` once when `signal` aborts (at once, synchronously, when it already has).
 * Returns the function that unhooks it; call it when the operation is over.
 */
export function onAbort(signal: AbortSignal, hook: () => void): () => void {
  if (signal.aborted) {
    hook();
    return () => {};
  }
  let entry = hooks.get(signal);
  if (entry === undefined) {
    const calls = new Set<() => void>();
    const listener = (): void => {
      hooks.delete(signal);
      for (const call of [...calls]) call();
      calls.clear();
    };
    entry = { calls, listener };
    hooks.set(signal, entry);
    signal.addEventListener('abort', listener, { once: true });
  }
  // A wrapper of its own, so hooking the same function twice means two calls and two unhooks.
  const call = (): void => hook();
  const { calls, listener } = entry;
  calls.add(call);
  return () => {
    if (!calls.delete(call) || calls.size > 0) return;
    if (hooks.get(signal)?.calls === calls) hooks.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}
