/**
 * shipping λ: its queue (subscribed to the events topic for order.confirmed.v1) → one
 * shipment per order, written with its event (the shipments table's outbox). The fault
 * settings of `mini-ec chaos set --service shipping` apply around each delivery; a failed
 * delivery is retried with backoff. The injected faults stand for the carrier's transient
 * failures: on the last receive the queue allows, one fails the shipment for good (GAVE_UP,
 * which the other services compensate) as the worker gives up an order. A shipment that cannot
 * be written (the table, or the chaos settings, unavailable) ends in the DLQ instead.
 */
import { isLastAttempt } from '../shared/backoff.js';
import { requireEnv, requireNumberEnv } from '../shared/config.js';
import { newDocumentClient } from '../shared/dynamodb.js';
import { ENV } from '../shared/env-names.js';
import { factQueueHandler, UnreadableFactError } from '../shared/fact-queue.js';
import { injectFault, loseAnswerAfterCommit } from '../shared/faults.js';
import { faultSourceFromEnv } from '../shared/participant.js';
import { RetryQueue } from '../shared/retry-queue.js';
import { parseConfirmedOrder } from './domain.js';
import { DynamoShipmentStore } from './shipment-store.js';
import { Shipping } from './use-cases.js';

const config = {
  tableName: requireEnv(ENV.shipmentsTable),
  queueUrl: requireEnv(ENV.shippingQueueUrl),
  maxReceiveCount: requireNumberEnv(ENV.maxReceiveCount, 1, 1000),
  faults: faultSourceFromEnv(),
};
const shipping = new Shipping(new DynamoShipmentStore(newDocumentClient(), config.tableName));
const retryQueue = RetryQueue.on(config.queueUrl);

export const handler = factQueueHandler({
  accepts: ['order.confirmed.v1'],
  retry: retryQueue,
  async react(event, { log, attempt }) {
    const order = parseConfirmedOrder(event.data);
    if (!order)
      throw new UnreadableFactError(`event ${event.id}: order.confirmed.v1 data is unreadable`);
    const settings = await config.faults.current();
    let gaveUp = false;
    try {
      await injectFault(settings);
    } catch (error) {
      if (!isLastAttempt(attempt, config.maxReceiveCount)) throw error;
      log.warn('last attempt failed transiently: the shipment fails for good', { error });
      gaveUp = true;
    }
    const outcome = await shipping.ship(order, event, gaveUp);
    if (!outcome.created) {
      log.info('the order has its shipment already: nothing new', { eventId: event.id });
      return;
    }
    log.info(`shipment ${outcome.shipment.status}`, {
      shipmentId: outcome.shipment.shipmentId,
      ...(outcome.shipment.reason ? { reason: outcome.shipment.reason } : {}),
    });
    // Only a delivery that committed can lose its answer after the commit: one that found the
    // shipment there committed nothing (else a message whose shipment exists would keep
    // failing, on every receive the queue allows, into the DLQ).
    loseAnswerAfterCommit(settings);
  },
});
