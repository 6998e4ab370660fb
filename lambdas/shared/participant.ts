/**
 * What the two participants (inventory, payment) share around their use cases: fault
 * settings and the handler shape.
 */
import type { Context } from 'aws-lambda';
import { requireNumberEnv } from './config.js';
import { ENV } from './env-names.js';
import { type FaultSettings, injectFault } from './faults.js';
import { logger, withCorrelation } from './powertools.js';

/** The participant's fault settings, read once from FAULT_FAIL_RATE and FAULT_DELAY_MS. */
export function faultSettingsFromEnv(): FaultSettings {
  return {
    failRate: requireNumberEnv(ENV.faultFailRate, 0, 1),
    delayMs: requireNumberEnv(ENV.faultDelayMs, 0, 60_000),
  };
}

/**
 * A participant's Lambda handler: parse the command, then (with the order's correlation keys
 * on every log line) inject the configured fault and execute it. A business refusal is a normal
 * reply; a transient failure is logged and thrown, so the worker sees a function error and retries.
 */
export function participantHandler<
  C extends { command: string; orderId: string; correlationId: string },
  R extends { outcome: string },
>(
  parse: (payload: unknown) => C,
  execute: (command: C) => Promise<R>,
  faults: FaultSettings,
): (event: unknown, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    const command = parse(event);
    return withCorrelation(
      { correlationId: command.correlationId, orderId: command.orderId },
      async () => {
        try {
          await injectFault(faults);
          const reply = await execute(command);
          logger.info(`${command.command}: ${reply.outcome}`, { command: command.command, reply });
          return reply;
        } catch (error) {
          logger.warn(`${command.command}: temporary failure, the caller will retry`, { error });
          throw error;
        }
      },
    );
  };
}
