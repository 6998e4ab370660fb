import type { Node } from 'constructs';
import {
  FAULT_LIMITS,
  FAULT_NAMES,
  type FaultService,
  type FaultSettings,
  faultNamesOf,
} from '../lambdas/shared/faults.js';
import type { ApiType } from './constructs/orders-api.js';

/**
 * Timeouts, consistent end to end: participant < invoke (the worker's wait for a participant)
 * < worker < the orders queue's visibility timeout. Overridable from context for tests that
 * crash the worker (a crashed delivery comes back only when its visibility timeout ends).
 */
interface Timeouts {
  readonly participantSeconds: number;
  readonly invokeMs: number;
  readonly workerSeconds: number;
  readonly visibilitySeconds: number;
}

/** Everything the stack takes from CDK context (`cdk.json`, or `-c key=value`). */
export interface StackSettings {
  /**
   * Receives of a consumer queue's message before it moves to the DLQ: the worker's and
   * shipping's last attempt. Fault settings are per service that takes them (faults.ts, with
   * `npx mini-ec chaos set` overriding them while the stack runs: ./fault-injection.ts).
   */
  readonly maxReceiveCount: number;
  /** A charge above this amount (minor units) is declined: a permanent failure, for demos. */
  readonly paymentLimit: number;
  readonly currency: string;
  readonly inventoryFaults: FaultSettings;
  readonly paymentFaults: FaultSettings;
  readonly shippingFaults: FaultSettings;
  readonly timeouts: Timeouts;
  readonly logRetentionDays: number;
  readonly logLevel: string;
  /** HTTP API stage throttling: a spend cap as much as a protection. */
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** `http` (default) or `rest` (LocalStack's free plan serves only REST APIs). */
  readonly apiType: ApiType;
  /** Source maps in the function bundles and `--enable-source-maps` (off: smaller, faster init). */
  readonly sourceMaps: boolean;
}

function numberFrom(node: Node, key: string, fallback: number, min: number, max: number): number {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(
      `context ${key} must be a number in [${min}, ${max}], got ${JSON.stringify(raw)}`,
    );
  }
  return value;
}

/** A boolean from context: `true`/`false` (a string from `-c`, or a JSON boolean in `cdk.json`). */
function booleanFrom(node: Node, key: string, fallback: boolean): boolean {
  const raw: unknown = node.tryGetContext(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(raw)}`);
}

/** `-c sourceMaps=true`: bundle source maps and run the functions with `--enable-source-maps`. */
export function sourceMapsFrom(node: Node): boolean {
  return booleanFrom(node, 'sourceMaps', false);
}

/** A service's fault settings: its own context value, else the shared one, else 0. */
function faultsFrom(node: Node, service: FaultService): FaultSettings {
  const settings = {} as Record<keyof FaultSettings, number>;
  for (const setting of Object.keys(FAULT_NAMES) as (keyof FaultSettings)[]) {
    const { min, max } = FAULT_LIMITS[setting];
    const shared = numberFrom(node, FAULT_NAMES[setting].context, 0, min, max);
    settings[setting] = numberFrom(node, faultNamesOf(service, setting).context, shared, min, max);
  }
  return settings;
}

/** Defaults: participant 3 s < invoke 4 s < worker 40 s < visibility 240 s (6 × worker, as AWS advises). */
const DEFAULT_TIMEOUTS: Timeouts = {
  participantSeconds: 3,
  invokeMs: 4_000,
  workerSeconds: 40,
  visibilitySeconds: 240,
};

function timeoutsFrom(node: Node): Timeouts {
  const workerSeconds = numberFrom(
    node,
    'workerTimeoutSeconds',
    DEFAULT_TIMEOUTS.workerSeconds,
    1,
    900,
  );
  const timeouts: Timeouts = {
    participantSeconds: numberFrom(
      node,
      'participantTimeoutSeconds',
      DEFAULT_TIMEOUTS.participantSeconds,
      1,
      900,
    ),
    invokeMs: numberFrom(node, 'invokeTimeoutMs', DEFAULT_TIMEOUTS.invokeMs, 100, 900_000),
    workerSeconds,
    visibilitySeconds: numberFrom(node, 'visibilityTimeoutSeconds', workerSeconds * 6, 1, 43_200),
  };
  const chain = [
    timeouts.participantSeconds * 1000,
    timeouts.invokeMs,
    timeouts.workerSeconds * 1000,
    timeouts.visibilitySeconds * 1000,
  ];
  if (chain.some((value, i) => i > 0 && value <= (chain[i - 1] as number))) {
    throw new Error(
      `timeouts must grow: participantTimeoutSeconds (${timeouts.participantSeconds} s) < invokeTimeoutMs (${timeouts.invokeMs} ms) < workerTimeoutSeconds (${timeouts.workerSeconds} s) < visibilityTimeoutSeconds (${timeouts.visibilitySeconds} s)`,
    );
  }
  return timeouts;
}

/** Reads and validates the stack settings from context; a bad value fails the synth with its name. */
export function readSettings(node: Node): StackSettings {
  const currency = String(node.tryGetContext('currency') ?? 'JPY');
  if (!/^[A-Z]{3}$/.test(currency))
    throw new Error(`context currency must be an ISO 4217 code, got ${currency}`);
  const apiType = String(node.tryGetContext('apiType') ?? 'http');
  if (apiType !== 'http' && apiType !== 'rest') {
    throw new Error(`context apiType must be http or rest, got ${apiType}`);
  }
  return {
    apiType,
    maxReceiveCount: numberFrom(node, 'maxReceiveCount', 5, 1, 1000),
    paymentLimit: numberFrom(node, 'paymentLimit', 100_000, 0, Number.MAX_SAFE_INTEGER),
    currency,
    inventoryFaults: faultsFrom(node, 'inventory'),
    paymentFaults: faultsFrom(node, 'payment'),
    shippingFaults: faultsFrom(node, 'shipping'),
    timeouts: timeoutsFrom(node),
    logRetentionDays: numberFrom(node, 'logRetentionDays', 7, 1, 3653),
    logLevel: String(node.tryGetContext('logLevel') ?? 'INFO'),
    throttleRateLimit: numberFrom(node, 'throttleRateLimit', 50, 1, 10_000),
    throttleBurstLimit: numberFrom(node, 'throttleBurstLimit', 100, 1, 5_000),
    sourceMaps: sourceMapsFrom(node),
  };
}
