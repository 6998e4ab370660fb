/**
 * payment λ, two doors: invoked by the worker (RequestResponse) with a PaymentCommand — a
 * business refusal is a normal reply, a transient failure throws (a function error the worker
 * retries) — and its queue of facts (subscribed to shipping.failed.v1), on which it refunds
 * on its own. The fault settings apply to the worker's commands only.
 */
import { requireEnv, requireNumberEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { faultSourceFromEnv, participantHandler, withCompensation } from '../shared/participant.js';
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

export const handler = withCompensation(
  participantHandler(
    parsePaymentCommand,
    (command) =>
      command.command === 'charge'
        ? payments.charge(command.orderId, command.amount, command.currency)
        : payments.refund(command.orderId),
    config.faults,
  ),
  {
    on: 'shipping.failed.v1',
    compensate: (event) => payments.compensateShipment(event),
    done: 'refunded',
  },
);
