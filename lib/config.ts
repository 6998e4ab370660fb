import type { Node } from 'constructs';
import type { ApiType } from './constructs/orders-api.js';

/** Fault injection for one participant: probability of a transient failure and added latency. */
export interface FaultSettings {
  readonly failRate: number;
  readonly delayMs: number;
}

/** Everything the stack takes from CDK context (`cdk.json`, or `-c key=value`). */
export interface StackSettings {
  /** Receives of an orders-queue message before it moves to the DLQ; the worker's last attempt. */
  readonly maxReceiveCount: number;
  /** A charge above this amount (minor units) is declined: a permanent failure, for demos. */
  readonly paymentLimit: number;
  readonly currency: string;
  readonly inventoryFaults: FaultSettings;
  readonly paymentFaults: FaultSettings;
  readonly logRetentionDays: number;
  readonly logLevel: string;
  /** HTTP API stage throttling: a spend cap as much as a protection. */
  readonly throttleRateLimit: number;
  readonly throttleBurstLimit: number;
  /** `http` (default) or `rest` (LocalStack's free plan serves only REST APIs). */
  readonly apiType: ApiType;
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

function faultsFrom(node: Node, service: 'inventory' | 'payment'): FaultSettings {
  const failRate = numberFrom(node, 'faultFailRate', 0, 0, 1);
  const delayMs = numberFrom(node, 'faultDelayMs', 0, 0, 60_000);
  return {
    failRate: numberFrom(node, `${service}FaultFailRate`, failRate, 0, 1),
    delayMs: numberFrom(node, `${service}FaultDelayMs`, delayMs, 0, 60_000),
  };
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
    logRetentionDays: numberFrom(node, 'logRetentionDays', 7, 1, 3653),
    logLevel: String(node.tryGetContext('logLevel') ?? 'INFO'),
    throttleRateLimit: numberFrom(node, 'throttleRateLimit', 50, 1, 10_000),
    throttleBurstLimit: numberFrom(node, 'throttleBurstLimit', 100, 1, 5_000),
  };
}
