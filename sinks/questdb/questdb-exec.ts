/**
 * SQL over QuestDB's HTTP `/exec` endpoint, with the literal helpers every query vigil
 * builds goes through: user text only ever reaches SQL as an escaped string literal.
 */

import { ErrorCode, VigilError } from '../../engine/model/errors.js';
import type { QuestDbEndpoint } from './questdb-config.js';

/** The JSON `/exec` answers for a query. */
export interface ExecResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[];
  readonly dataset: readonly (readonly unknown[])[];
  readonly count: number;
}

/**
 * A failed `/exec` request. `unreachable` is true when QuestDB did not answer (refused,
 * timed out, 5xx); otherwise QuestDB refused the query and `message` carries its reason.
 */
export class QuestDbQueryError extends VigilError {
  readonly unreachable: boolean;
  readonly status: number | undefined;
  /** The cause in a few words (`connection refused`, `timeout`, QuestDB's error text). */
  readonly reason: string;

  constructor(message: string, options: { unreachable: boolean; reason: string; status?: number; cause?: unknown }) {
    super(ErrorCode.Io, message, { cause: options.cause });
    this.name = 'QuestDbQueryError';
    this.unreachable = options.unreachable;
    this.reason = options.reason;
    this.status = options.status;
  }
}

/** A SQL string literal: quotes doubled, NUL refused (QuestDB strings cannot hold it). */
export function sqlString(text: string): string {
  if (text.includes('\0')) throw new VigilError(ErrorCode.Usage, 'a NUL character cannot be used in a QuestDB query');
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL timestamp literal from epoch microseconds (an integer, so nothing but digits reach SQL). */
export function sqlTimestamp(micros: number): string {
  if (!Number.isSafeInteger(micros)) throw new VigilError(ErrorCode.Usage, `not a timestamp: ${micros}`);
  return `cast(${micros} as timestamp)`;
}

/** A SQL integer literal (checked, for LIMIT and LONG comparisons). */
export function sqlInteger(n: number): string {
  if (!Number.isSafeInteger(n)) throw new VigilError(ErrorCode.Usage, `not an integer: ${n}`);
  return String(n);
}

/** Describes a fetch failure without the URL's credentials: `connection refused`, `timeout`, ... */
export function describeNetworkError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (e as { code?: string })?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if ((e as Error)?.name === 'TimeoutError' || (e as Error)?.name === 'AbortError') return 'timeout';
  return code ?? cause?.message ?? (e as Error)?.message ?? String(e);
}

/** Runs one SQL statement through `/exec` and returns its JSON answer. */
export async function questDbExec(endpoint: QuestDbEndpoint, query: string, options: { timeoutMs?: number } = {}): Promise<ExecResult> {
  const url = `${endpoint.httpUrl}/exec?query=${encodeURIComponent(query)}`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: endpoint.authorization === undefined ? {} : { authorization: endpoint.authorization },
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (e) {
    const reason = describeNetworkError(e);
    throw new QuestDbQueryError(`QuestDB at ${endpoint.httpUrl} did not answer: ${reason}`, { unreachable: true, reason, cause: e });
  }
  let body: unknown;
  let text = '';
  try {
    text = await response.text();
    body = JSON.parse(text);
  } catch (e) {
    const unreachable = response.status >= 500 || response.ok;
    throw new QuestDbQueryError(`QuestDB at ${endpoint.httpUrl} answered ${response.status} without JSON: ${text.slice(0, 200)}`, {
      unreachable,
      reason: `HTTP ${response.status}`,
      status: response.status,
      cause: e,
    });
  }
  const error = (body as { error?: unknown }).error;
  if (!response.ok || typeof error === 'string') {
    const reason = typeof error === 'string' ? error : `HTTP ${response.status}`;
    throw new QuestDbQueryError(`QuestDB refused the query: ${reason}`, { unreachable: response.status >= 500, reason, status: response.status });
  }
  const result = body as Partial<ExecResult>;
  return { columns: result.columns ?? [], dataset: result.dataset ?? [], count: result.count ?? 0 };
}
