/**
 * The bound on every control-plane call (metadata, config, statistics, repository index,
 * shared-memory registration, trace settings), so a server that accepts and never answers
 * ends the run with a named error instead of hanging it. 30 s is far above what these small
 * calls need from a live server (milliseconds, even under load), yet short enough that a user
 * facing a stalled server learns it soon. A longer --request-timeout raises the bound: whoever
 * allows inference that long expects a server that slow.
 */
export const CONTROL_TIMEOUT_MS = 30_000;

/** The control-call bound for a run: max(30 s, --request-timeout). */
export function controlTimeoutMs(requestTimeoutMs = 0): number {
  return Math.max(CONTROL_TIMEOUT_MS, requestTimeoutMs);
}

/** Why a control call failed when its bound passed: the address and the bound. */
export function noAnswerText(address: string, timeoutMs: number): string {
  const bound = timeoutMs % 1000 === 0 ? `${timeoutMs / 1000} s` : `${timeoutMs} ms`;
  return `no answer from ${address} within ${bound}`;
}

/**
 * `work`, or the error `expire()` returns (it also cancels the work) when `work` has not
 * settled within `timeoutMs`. A later settlement of `work` is ignored.
 */
export function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  expire: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(expire()), timeoutMs);
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}
