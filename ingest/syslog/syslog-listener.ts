import type { ListenAddress } from './listen-address.js';

/** One bound syslog socket (UDP, TCP or TLS) of the syslog source. */
export interface SyslogListener {
  readonly address: ListenAddress;
  /** Binds; rejects when it cannot (port taken, address not local). */
  listen(): Promise<void>;
  /** Stops taking connections and messages; what was read is still offered to the queue. */
  close(): Promise<void>;
}

/** What the source tells a listener to call when its socket fails after it was bound. */
export type ListenerFailure = (reason: string) => void;
