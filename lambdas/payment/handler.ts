/**
 * payment λ, invoked by the worker (RequestResponse) with a PaymentCommand. A business refusal
 * is a normal reply; a transient failure throws (a function error the worker retries).
 */
import type { Context } from 'aws-lambda';
import type { PaymentReply } from '../shared/commands.js';
import { requireEnv, requireNumberEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { injectFault } from '../shared/faults.js';
import { logger, withCorrelation } from '../shared/powertools.js';
import { parsePaymentCommand } from './domain.js';
import { DynamoPaymentStore } from './payment-store.js';
import { Payments } from './use-cases.js';

const config = {
  tableName: requireEnv(ENV.paymentsTable),
  limit: requireNumberEnv(ENV.paymentLimit, 0, Number.MAX_SAFE_INTEGER),
  faults: {
    failRate: requireNumberEnv(ENV.faultFailRate, 0, 1),
    delayMs: requireNumberEnv(ENV.faultDelayMs, 0, 60_000),
  },
};
const payments = new Payments(
  new DynamoPaymentStore(newDocumentClient(), config.tableName),
  config.limit,
);

export const handler = async (event: unknown, context: Context): Promise<PaymentReply> => {
  logger.addContext(context);
  const command = parsePaymentCommand(event);
  return withCorrelation(
    { correlationId: command.correlationId, orderId: command.orderId },
    async () => {
      try {
        await injectFault(config.faults);
        const reply =
          command.command === 'charge'
            ? await payments.charge(command.orderId, command.amount, command.currency)
            : await payments.refund(command.orderId);
        logger.info(`${command.command}: ${reply.outcome}`, { command: command.command, reply });
        return reply;
      } catch (error) {
        logger.warn(`${command.command}: temporary failure, the caller will retry`, { error });
        throw error;
      }
    },
  );
};
