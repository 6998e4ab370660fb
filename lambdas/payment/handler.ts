/**
 * payment λ, invoked by the worker (RequestResponse) with a PaymentCommand. A business refusal
 * is a normal reply; a transient failure throws (a function error the worker retries).
 */
import { requireEnv, requireNumberEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { faultSourceFromEnv, participantHandler } from '../shared/participant.js';
import { parsePaymentCommand } from './domain.js';
import { DynamoPaymentStore } from './payment-store.js';
import { Payments } from './use-cases.js';

const config = {
  tableName: requireEnv(ENV.paymentsTable),
  limit: requireNumberEnv(ENV.paymentLimit, 0, Number.MAX_SAFE_INTEGER),
  faults: faultSourceFromEnv(),
};
const payments = new Payments(
  new DynamoPaymentStore(newDocumentClient(), config.tableName),
  config.limit,
);

export const handler = participantHandler(
  parsePaymentCommand,
  (command) =>
    command.command === 'charge'
      ? payments.charge(command.orderId, command.amount, command.currency)
      : payments.refund(command.orderId),
  config.faults,
);
