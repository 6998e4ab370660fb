/**
 * `mini-ec chaos set|clear|show`: change the participants' fault injection while the system
 * runs. Each participant reads its chaos parameter (SSM, a JSON object) through Powertools
 * Parameters with a 5 s cache, so a change takes effect within seconds, without a restart or
 * a redeploy — on AWS and in the local cloud alike.
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  FAULT_LIMITS,
  FAULT_NAMES,
  FAULT_SERVICES,
  type FaultService,
  type FaultSettings,
  parseFaultSettings,
} from '../lambdas/shared/faults.js';
import { clientConfig } from './clients.js';
import type { CommandContext } from './context.js';
import { CliError, callAws, UsageError } from './errors.js';
import { emit, table } from './output.js';
import type { Target } from './target.js';

/** The services whose faults can be changed. */
export const CHAOS_SERVICES = FAULT_SERVICES;
export type ChaosService = FaultService;

const OUTPUT_OF: Record<ChaosService, string> = {
  inventory: 'InventoryChaosParameterName',
  payment: 'PaymentChaosParameterName',
  shipping: 'ShippingChaosParameterName',
};

/** What a chaos parameter holds: only the settings that override the function's base. */
export type ChaosOverrides = Partial<FaultSettings>;

/** Reads and writes the chaos parameters of a target. */
export class ChaosParameters {
  private readonly ssm: SSMClient;

  constructor(private readonly target: Target) {
    this.ssm = new SSMClient(clientConfig(target, 'ssm'));
  }

  /** The overrides currently set for a service (`{}` when none). */
  async get(service: ChaosService): Promise<ChaosOverrides> {
    const name = this.parameterName(service);
    const result = await this.call(`chaos ${service}`, () =>
      this.ssm.send(new GetParameterCommand({ Name: name })),
    );
    try {
      return JSON.parse(result.Parameter?.Value ?? '{}') as ChaosOverrides;
    } catch {
      throw new CliError(`chaos parameter ${name} does not hold JSON; fix it with chaos clear`);
    }
  }

  /** Replaces the overrides of a service. */
  async put(service: ChaosService, overrides: ChaosOverrides): Promise<void> {
    const name = this.parameterName(service);
    await this.call(`chaos ${service}`, () =>
      this.ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: JSON.stringify(overrides),
          Type: 'String',
          Overwrite: true,
        }),
      ),
    );
  }

  /** Releases the SDK's sockets. */
  close(): void {
    this.ssm.destroy();
  }

  private parameterName(service: ChaosService): string {
    const name = this.target.outputs[OUTPUT_OF[service]];
    if (!name) {
      throw new CliError(
        `the target has no output ${OUTPUT_OF[service]} (a stack deployed before the ${service} chaos parameter existed? redeploy it)`,
      );
    }
    return name;
  }

  private call<T>(what: string, send: () => Promise<T>): Promise<T> {
    return callAws(what, send);
  }
}

/** Option values of `chaos set`, as given on the command line. */
export interface ChaosSetOptions {
  service?: string;
  'fail-rate'?: string;
  'delay-ms'?: string;
  'fail-after-commit'?: string;
}

const OPTION_OF = Object.fromEntries(
  Object.entries(FAULT_NAMES).map(([setting, { option }]) => [setting, option]),
) as Record<keyof FaultSettings, keyof ChaosSetOptions>;

/** `--service` of a chaos command: one service, or every one when absent and allowed. */
export function parseServices(value: string | undefined, required: boolean): ChaosService[] {
  if (value === undefined) {
    if (required) throw new UsageError(`--service is required (${oneOf(CHAOS_SERVICES)})`);
    return [...CHAOS_SERVICES];
  }
  if (!(CHAOS_SERVICES as readonly string[]).includes(value)) {
    throw new UsageError(`--service must be ${oneOf(CHAOS_SERVICES)}, got "${value}"`);
  }
  return [value as ChaosService];
}

/** `a, b or c`. */
const oneOf = (names: readonly string[]) =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;

/** The settings `chaos set` was given, validated against the same bounds the functions use. */
export function parseChaosOptions(options: ChaosSetOptions): ChaosOverrides {
  const overrides: Record<string, number> = {};
  for (const [key, option] of Object.entries(OPTION_OF) as [
    keyof FaultSettings,
    keyof ChaosSetOptions,
  ][]) {
    const raw = options[option];
    if (raw === undefined) continue;
    const value = Number(raw);
    const { min, max } = FAULT_LIMITS[key];
    if (raw.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
      throw new UsageError(`--${option} must be a number in [${min}, ${max}], got "${raw}"`);
    }
    overrides[key] = value;
  }
  if (Object.keys(overrides).length === 0) {
    throw new UsageError(
      'chaos set needs at least one of --fail-rate, --delay-ms, --fail-after-commit',
    );
  }
  return overrides;
}

const ZERO: FaultSettings = { failRate: 0, delayMs: 0, failAfterCommit: 0 };

function rows(settings: Array<{ service: ChaosService; overrides: ChaosOverrides }>) {
  return settings.map(({ service, overrides }) => ({
    service,
    failRate: overrides.failRate ?? null,
    delayMs: overrides.delayMs ?? null,
    failAfterCommit: overrides.failAfterCommit ?? null,
  }));
}

const COLUMNS = ['service', 'failRate', 'delayMs', 'failAfterCommit'];
const NOTE = "(- = the function's base setting; changes apply within 5 s)";

type ServiceOverrides = { service: ChaosService; overrides: ChaosOverrides };

/** Runs `work` with the target's chaos parameters, prints what it returns, exits 0. */
async function withParameters(
  ctx: CommandContext,
  args: string[],
  work: (parameters: ChaosParameters) => Promise<ServiceOverrides[]>,
): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
  const parameters = new ChaosParameters(ctx.target());
  try {
    const result = await work(parameters);
    emit(ctx.io, ctx.json, result, () => [...table(rows(result), COLUMNS), NOTE]);
  } finally {
    parameters.close();
  }
  return 0;
}

/** `chaos set --service S [--fail-rate R] [--delay-ms D] [--fail-after-commit R]`: merged into what is set. */
export function chaosSet(
  ctx: CommandContext,
  args: string[],
  options: ChaosSetOptions,
): Promise<number> {
  const [service] = parseServices(options.service, true) as [ChaosService];
  const given = parseChaosOptions(options);
  return withParameters(ctx, args, async (parameters) => {
    const merged: ChaosOverrides = { ...(await parameters.get(service)), ...given };
    parseFaultSettings(merged, ZERO);
    await parameters.put(service, merged);
    return [{ service, overrides: merged }];
  });
}

/** `chaos clear [--service S]`: no overrides (every service when none is named). */
export function chaosClear(
  ctx: CommandContext,
  args: string[],
  options: { service?: string },
): Promise<number> {
  return perService(ctx, args, options, async (parameters, service) => {
    await parameters.put(service, {});
    return {};
  });
}

/** `chaos show [--service S]`: the overrides of every service. */
export function chaosShow(
  ctx: CommandContext,
  args: string[],
  options: { service?: string },
): Promise<number> {
  return perService(ctx, args, options, (parameters, service) => parameters.get(service));
}

/** Runs `each` on every service named (all when none) and prints what each one holds after. */
function perService(
  ctx: CommandContext,
  args: string[],
  options: { service?: string },
  each: (parameters: ChaosParameters, service: ChaosService) => Promise<ChaosOverrides>,
): Promise<number> {
  const services = parseServices(options.service, false);
  return withParameters(ctx, args, async (parameters) => {
    const result: ServiceOverrides[] = [];
    for (const service of services) {
      result.push({ service, overrides: await each(parameters, service) });
    }
    return result;
  });
}
