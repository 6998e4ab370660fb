import { FAULT_NAMES } from './faults.js';

/**
 * Names of the environment variables the functions read. The CDK stack (lib/) sets them
 * from these same constants, so a rename cannot drift between the two sides.
 */
export const ENV = {
  ordersTable: 'ORDERS_TABLE_NAME',
  inventoryTable: 'INVENTORY_TABLE_NAME',
  paymentsTable: 'PAYMENTS_TABLE_NAME',
  shipmentsTable: 'SHIPMENTS_TABLE_NAME',
  ordersQueueUrl: 'ORDERS_QUEUE_URL',
  /** The shipping service's own queue: its backoff sets a failed message's visibility there. */
  shippingQueueUrl: 'SHIPPING_QUEUE_URL',
  /** ARN of the SNS topic of the saga's events, which the outbox relay publishes to. */
  eventsTopicArn: 'EVENTS_TOPIC_ARN',
  inventoryFunction: 'INVENTORY_FUNCTION_NAME',
  paymentFunction: 'PAYMENT_FUNCTION_NAME',
  /** A consumer queue's redrive maxReceiveCount: the worker's (and shipping's) last allowed attempt. */
  maxReceiveCount: 'MAX_RECEIVE_COUNT',
  /** Worker → participant invoke timeout, in milliseconds (< worker timeout). */
  invokeTimeoutMs: 'INVOKE_TIMEOUT_MS',
  paymentLimit: 'PAYMENT_LIMIT',
  currency: 'CURRENCY',
  faultFailRate: FAULT_NAMES.failRate.env,
  faultDelayMs: FAULT_NAMES.delayMs.env,
  faultFailAfterCommit: FAULT_NAMES.failAfterCommit.env,
  /** SSM parameter holding a participant's chaos settings (JSON), changeable while it runs. */
  chaosParameterName: 'CHAOS_PARAMETER_NAME',
} as const;
