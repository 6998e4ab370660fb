import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/** Fault settings given to the stack through CDK context (see lib/config.ts). */
export interface FaultOptions {
  readonly failRate?: number;
  readonly delayMs?: number;
  readonly inventoryFailRate?: number;
  readonly inventoryDelayMs?: number;
  readonly paymentFailRate?: number;
  readonly paymentDelayMs?: number;
  readonly failAfterCommit?: number;
  readonly inventoryFailAfterCommit?: number;
  readonly paymentFailAfterCommit?: number;
}

const FAULT_CONTEXT: Record<keyof FaultOptions, { context: string; env: string }> = {
  failRate: { context: 'faultFailRate', env: 'FAULT_FAIL_RATE' },
  delayMs: { context: 'faultDelayMs', env: 'FAULT_DELAY_MS' },
  inventoryFailRate: { context: 'inventoryFaultFailRate', env: 'INVENTORY_FAULT_FAIL_RATE' },
  inventoryDelayMs: { context: 'inventoryFaultDelayMs', env: 'INVENTORY_FAULT_DELAY_MS' },
  paymentFailRate: { context: 'paymentFaultFailRate', env: 'PAYMENT_FAULT_FAIL_RATE' },
  paymentDelayMs: { context: 'paymentFaultDelayMs', env: 'PAYMENT_FAULT_DELAY_MS' },
  failAfterCommit: { context: 'faultFailAfterCommit', env: 'FAULT_FAIL_AFTER_COMMIT' },
  inventoryFailAfterCommit: {
    context: 'inventoryFaultFailAfterCommit',
    env: 'INVENTORY_FAULT_FAIL_AFTER_COMMIT',
  },
  paymentFailAfterCommit: {
    context: 'paymentFaultFailAfterCommit',
    env: 'PAYMENT_FAULT_FAIL_AFTER_COMMIT',
  },
};

/** Reads FAULT_FAIL_RATE, FAULT_DELAY_MS, INVENTORY_FAULT_*, PAYMENT_FAULT_* from an environment. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): FaultOptions {
  const faults: Record<string, number> = {};
  for (const [key, { env: name }] of Object.entries(FAULT_CONTEXT)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${raw}`);
    faults[key] = value;
  }
  return faults as FaultOptions;
}

/** The CDK context keys the stack reads its fault settings from. */
export function faultContext(faults: FaultOptions): Record<string, number> {
  const context: Record<string, number> = {};
  for (const [key, { context: name }] of Object.entries(FAULT_CONTEXT)) {
    const value = faults[key as keyof FaultOptions];
    if (value !== undefined) context[name] = value;
  }
  return context;
}

/** What `buildApp` of lib/app.ts looks like to the local cloud. */
type BuildApp = (options: { outdir?: string; context?: Record<string, unknown> }) => {
  synth(): { directory: string };
};

/**
 * Synthesizes the project's CDK app (lib/app.ts `buildApp`) into `outdir`, with asset
 * metadata on (the local cloud finds each function's bundle through it). Returns the
 * cloud assembly directory.
 */
export async function synthesize(options: {
  outdir: string;
  context?: Record<string, unknown>;
  appModule?: string;
}): Promise<string> {
  const modulePath = options.appModule ?? path.resolve('lib', 'app.ts');
  const module = (await import(pathToFileURL(modulePath).href)) as { buildApp?: BuildApp };
  if (typeof module.buildApp !== 'function')
    throw new Error(`${modulePath} does not export buildApp`);
  const app = module.buildApp({
    outdir: path.resolve(options.outdir),
    context: { 'aws:cdk:enable-asset-metadata': true, ...options.context },
  });
  return app.synth().directory;
}
