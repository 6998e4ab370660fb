/**
 * What the two participants (inventory, payment) share around their use cases: the handler
 * shape — the worker's commands, and their own queue of facts on which they compensate a
 * failed shipment — and the fault settings (which shipping takes too).
 */
import type { Context, SQSBatchResponse } from 'aws-lambda';
import { SsmChaosSettings } from './chaos-settings.js';
import { requireEnv, requireNumberEnv } from './config.js';
import { ENV } from './env-names.js';
import type { CloudEvent, EventType } from './events.js';
import { factQueueHandler, isSqsEvent } from './fact-queue.js';
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

/** What a participant undoes on its own, on which fact, and how its log line says it is done. */
export interface Compensation<T extends EventType> {
  on: T;
  /** Undoes the participant's part and records its own fact; false when it had done so already. */
  compensate(event: CloudEvent<T>): Promise<boolean>;
  done: string;
}

/**
 * A participant's two doors in one handler: a batch from its queue of facts (the compensation
 * of a failed shipment, each record reported on its own) or else the worker's command.
 */
export function withCompensation<R, T extends EventType>(
  commands: (event: unknown, context: Context) => Promise<R>,
  compensation: Compensation<T>,
): (event: unknown, context: Context) => Promise<R | SQSBatchResponse> {
  const facts = factQueueHandler({
    accepts: [compensation.on],
    async react(event, { log }) {
      const recorded = await compensation.compensate(event);
      log.info(recorded ? compensation.done : `${compensation.done} already`, {
        eventId: event.id,
        recorded,
      });
    },
  });
  return (event, context) => (isSqsEvent(event) ? facts(event, context) : commands(event, context));
}
