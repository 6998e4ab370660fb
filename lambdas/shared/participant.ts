/**
 * What the two participants (inventory, payment) share around their use cases: fault
 * settings and the handler shape.
 */
import type { Context } from 'aws-lambda';
import { SsmChaosSettings } from './chaos-settings.js';
import { requireEnv, requireNumberEnv } from './config.js';
import { ENV } from './env-names.js';
import { FAULT_LIMITS, type FaultSource, injectFault, loseAnswerAfterCommit } from './faults.js';
import { logger, withCorrelation } from './powertools.js';

/**
 * The participant's fault settings: the base from FAULT_FAIL_RATE, FAULT_DELAY_MS and
 * FAULT_FAIL_AFTER_COMMIT, overridden while it runs by the chaos parameter CHAOS_PARAMETER_NAME.
 */
export function faultSourceFromEnv(): FaultSource {
  const limit = (name: string, key: keyof typeof FAULT_LIMITS) =>
    requireNumberEnv(name, FAULT_LIMITS[key].min, FAULT_LIMITS[key].max);
  return new SsmChaosSettings(
    requireEnv(ENV.chaosParameterName),
    {
      failRate: limit(ENV.faultFailRate, 'failRate'),
      delayMs: limit(ENV.faultDelayMs, 'delayMs'),
      failAfterCommit: limit(ENV.faultFailAfterCommit, 'failAfterCommit'),
    },
    logger,
  );
}

/**
 * A participant's Lambda handler: parse the command, then (with the order's correlation keys
 * on every log line) inject the current faults around executing it. A business refusal is a
 * normal reply; a transient failure is logged and thrown, so the worker sees a function error
 * and retries — also when the work committed and only the answer was lost (the use cases are
 * idempotent per order, so the retry gets the same answer).
 */
export function participantHandler<
  C extends { command: string; orderId: string; correlationId: string },
  R extends { outcome: string },
>(
  parse: (payload: unknown) => C,
  execute: (command: C) => Promise<R>,
  faults: FaultSource,
): (event: unknown, context: Context) => Promise<R> {
  return async (event, context) => {
    logger.addContext(context);
    const command = parse(event);
    return withCorrelation(
      { correlationId: command.correlationId, orderId: command.orderId },
      async () => {
        try {
          const settings = await faults.current();
          await injectFault(settings);
          const reply = await execute(command);
          logger.info(`${command.command}: ${reply.outcome}`, { command: command.command, reply });
          loseAnswerAfterCommit(settings);
          return reply;
        } catch (error) {
          logger.warn(`${command.command}: temporary failure, the caller will retry`, { error });
          throw error;
        }
      },
    );
  };
}
