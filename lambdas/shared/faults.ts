/**
 * Fault injection for the participants, the faults that hurt sagas most: a delay (longer than
 * the caller's timeout if you like), a transient failure before any work, and a failure after
 * the work has committed (the caller never hears that it succeeded). Pure: no AWS SDK here;
 * where the settings come from is ./chaos-settings.ts.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** How a participant misbehaves on purpose; all 0 in a normal deployment. */
export interface FaultSettings {
  /** Probability in [0, 1] of a transient failure before any work. */
  failRate: number;
  /** Added latency in milliseconds before any work. */
  delayMs: number;
  /** Probability in [0, 1] that the answer is lost after the work committed. */
  failAfterCommit: number;
}

/** No faults at all. */
export const NO_FAULTS: FaultSettings = Object.freeze({
  failRate: 0,
  delayMs: 0,
  failAfterCommit: 0,
});

/** Where a participant gets its current fault settings (they may change while it runs). */
export interface FaultSource {
  /** The settings to apply to the next command. */
  current(): Promise<FaultSettings>;
}

/** A failure injected on purpose; the caller sees it as a function error and retries. */
export class InjectedFaultError extends Error {
  override readonly name = 'InjectedFaultError';
}

/** Bounds of each setting; a value outside them is refused, never clamped silently. */
export const FAULT_LIMITS = {
  failRate: { min: 0, max: 1 },
  delayMs: { min: 0, max: 60_000 },
  failAfterCommit: { min: 0, max: 1 },
} as const satisfies Record<keyof FaultSettings, { min: number; max: number }>;

/** The services that take fault settings: the saga's participants, and shipping. */
export const FAULT_SERVICES = ['inventory', 'payment', 'shipping'] as const;
export type FaultService = (typeof FAULT_SERVICES)[number];

/**
 * The one place each setting is named: its CDK context key, its environment variable (the
 * stack sets it on the function; `npm start` reads it too) and its `mini-ec chaos set` option.
 * A service's own value is the context key with the service in front (`paymentFaultDelayMs`)
 * and the variable with it in front (`PAYMENT_FAULT_DELAY_MS`): see faultNamesOf.
 */
export const FAULT_NAMES = {
  failRate: { context: 'faultFailRate', env: 'FAULT_FAIL_RATE', option: 'fail-rate' },
  delayMs: { context: 'faultDelayMs', env: 'FAULT_DELAY_MS', option: 'delay-ms' },
  failAfterCommit: {
    context: 'faultFailAfterCommit',
    env: 'FAULT_FAIL_AFTER_COMMIT',
    option: 'fail-after-commit',
  },
} as const satisfies Record<keyof FaultSettings, { context: string; env: string; option: string }>;

/** A setting's names for one service: `inventoryFaultFailRate`, `INVENTORY_FAULT_FAIL_RATE`. */
export function faultNamesOf(
  service: FaultService,
  setting: keyof FaultSettings,
): { context: string; env: string } {
  const { context, env } = FAULT_NAMES[setting];
  return {
    context: `${service}${context[0]?.toUpperCase()}${context.slice(1)}`,
    env: `${service.toUpperCase()}_${env}`,
  };
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

/** After the work committed: throws InjectedFaultError with probability `failAfterCommit`. */
export function loseAnswerAfterCommit(
  settings: FaultSettings,
  random: () => number = Math.random,
): void {
  if (settings.failAfterCommit > 0 && random() < settings.failAfterCommit) {
    throw new InjectedFaultError('answer lost after the work committed (injected fault)');
  }
}

/**
 * Reads fault settings from a JSON object such as `{"failRate":0.3,"delayMs":100}`: the fields
 * given override `base`, unknown fields and out-of-range values are errors (with their name).
 */
export function parseFaultSettings(value: unknown, base: FaultSettings): FaultSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('fault settings must be a JSON object');
  }
  const settings: FaultSettings = { ...base };
  for (const [key, raw] of Object.entries(value)) {
    if (!Object.hasOwn(FAULT_LIMITS, key)) {
      throw new TypeError(
        `unknown fault setting "${key}" (known: ${Object.keys(FAULT_LIMITS).join(', ')})`,
      );
    }
    const name = key as keyof FaultSettings;
    const { min, max } = FAULT_LIMITS[name];
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < min || raw > max) {
      throw new TypeError(
        `fault setting ${name} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`,
      );
    }
    settings[name] = raw;
  }
  return settings;
}
