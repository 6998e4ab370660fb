/**
 * Fault injection for the participants: a delay, then a transient failure with some
 * probability. It lets a demo (and the end-to-end tests) show retries and compensation.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How a participant misbehaves on purpose; both 0 in a normal deployment. */
export interface FaultSettings {
  /** Probability in [0, 1] of a transient failure before any work. */
  failRate: number;
  /** Added latency in milliseconds before any work. */
  delayMs: number;
}

/** A failure injected on purpose; the caller sees it as a function error and retries. */
export class InjectedFaultError extends Error {
  override readonly name = 'InjectedFaultError';
}

/** Sleeps `delayMs`, then throws InjectedFaultError with probability `failRate`. */
export async function injectFault(
  settings: FaultSettings,
  random: () => number = Math.random,
): Promise<void> {
  if (settings.delayMs > 0) await sleep(settings.delayMs);
  if (settings.failRate > 0 && random() < settings.failRate) {
    throw new InjectedFaultError('temporary failure (injected fault)');
  }
}
