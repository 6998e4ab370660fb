/**
 * How long a consumer waits before a failed message's next attempt, and which attempt is its
 * last: one rule for every queue consumer that retries with backoff (the worker, shipping).
 * Pure: ./fact-queue.ts computes the delay of a failed message, ./retry-queue.ts sets it.
 */

const BACKOFF_BASE_SECONDS = 1;
export const BACKOFF_CAP_SECONDS = 60;

/**
 * Seconds before attempt `attempt + 1`: exponential (base 1 s, doubling per attempt, capped at
 * 60 s) with "equal jitter" — half fixed, half random — so retries spread out yet never come
 * back at once. Whole seconds, at least 1 (what ChangeMessageVisibility takes).
 */
export function backoffSeconds(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const ceiling = Math.min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** Math.min(exponent, 30));
  const seconds = ceiling / 2 + random() * (ceiling / 2);
  return Math.max(1, Math.min(BACKOFF_CAP_SECONDS, Math.round(seconds)));
}

/** True when this receive is the last the queue allows before the message moves to the DLQ. */
export const isLastAttempt = (receiveCount: number, maxReceiveCount: number): boolean =>
  receiveCount >= maxReceiveCount;
