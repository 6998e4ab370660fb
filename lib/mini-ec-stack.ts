import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/shared/env-names.js';
import { EVENT_SOURCES, ORDER_FACTS } from '../lambdas/shared/events.js';
import { orderTraceQueryParts, TRACE_QUERY_PLACEHOLDER } from '../lambdas/shared/log-keys.js';
import { readSettings, type StackSettings } from './config.js';
import { EventBus } from './constructs/event-bus.js';
import { OrdersApi } from './constructs/orders-api.js';
import { newDeadLetterQueue, QueueWithDlq } from './constructs/queue-with-dlq.js';
import { grantInvokeUnqualified, SagaFunction } from './constructs/saga-function.js';
import { faultEnvironment, newChaosParameter } from './fault-injection.js';
import { acknowledgeFindings } from './nag-acknowledgements.js';
import { newServiceTable, outboxSource } from './service-tables.js';

/** Timeouts of the functions outside the saga's chain (that one is in settings.timeouts). */
const TIMEOUTS = {
  api: Duration.seconds(10),
  relay: Duration.seconds(30),
} as const;

/**
 * The whole saga: HTTP API → api λ → orders table (+ outbox event) → stream → relay λ →
 * events topic → (filter: order.placed.v1) orders queue → worker λ → inventory λ / payment λ;
 * and its choreography: order.confirmed.v1 → shipping queue → shipping λ (+ its outbox);
 * shipping.failed.v1 → payment's queue → refund; payment.refunded.v1 → inventory's queue →
 * release; every other service's fact → the orders queue → the order's timeline, CANCELLED.
 */
export class MiniEcStack extends Stack {
  readonly settings: StackSettings;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const settings = readSettings(this.node);
    this.settings = settings;
    const retention = retentionDays(settings.logRetentionDays);
    const functionDefaults = { logRetention: retention, logLevel: settings.logLevel };
    const { timeouts } = settings;

    // ── Data: each service owns its table ─────────────────────────────────────────────
    // Idempotency-Key guards carry `expiresAt`: TTL removes them once the key is free again.
    const ordersTable = newServiceTable(this, 'OrdersTable', { timeToLiveAttribute: 'expiresAt' });
    // Each service's table is its outbox too: the relay reads every one's stream.
    const inventoryTable = newServiceTable(this, 'InventoryTable');
    const paymentsTable = newServiceTable(this, 'PaymentsTable');
    const shipmentsTable = newServiceTable(this, 'ShipmentsTable');

    // ── Messaging: the bus, and each consumer's queue subscribed to the facts it takes ──
    const bus = new EventBus(this, 'OrderEvents');
    const orders = new QueueWithDlq(this, 'Orders', {
      visibilityTimeout: Duration.seconds(timeouts.visibilitySeconds),
      maxReceiveCount: settings.maxReceiveCount,
      holds:
        'orders the worker could not settle, or facts it could not record on an order; redrive with npx mini-ec dlq redrive',
    });
    // The order service takes the order's start, and the facts other services decide about it
    // (never the worker's own events: the source filter leaves them out).
    bus.subscribe(
      orders.queue,
      ['order.placed.v1', ...ORDER_FACTS],
      [EVENT_SOURCES.api, EVENT_SOURCES.shipping, EVENT_SOURCES.payment, EVENT_SOURCES.inventory],
    );
    // Each is read by a function with the participants' timeout: visibility 6× that, as AWS advises.
    const factQueue = (id: string, holds: string) =>
      new QueueWithDlq(this, id, {
        visibilityTimeout: Duration.seconds(timeouts.participantSeconds * 6),
        maxReceiveCount: settings.maxReceiveCount,
        holds,
      });
    const shippingQueue = factQueue(
      'ShippingOrders',
      'confirmed orders shipping could not take; redrive with npx mini-ec dlq redrive --queue shipping',
    );
    bus.subscribe(shippingQueue.queue, ['order.confirmed.v1']);
    // Compensation of a failed shipment, in reverse order: payment refunds, then inventory
    // releases on payment's word (not on the worker's refunds of a FAILED order).
    const paymentFacts = factQueue(
      'PaymentFacts',
      'failed shipments payment could not refund; redrive with npx mini-ec dlq redrive --queue payment',
    );
    bus.subscribe(paymentFacts.queue, ['shipping.failed.v1']);
    const inventoryFacts = factQueue(
      'InventoryFacts',
      'refunds inventory could not release; redrive with npx mini-ec dlq redrive --queue inventory',
    );
    bus.subscribe(inventoryFacts.queue, ['payment.refunded.v1'], [EVENT_SOURCES.payment]);
    const relayDlq = newDeadLetterQueue(
      this,
      'RelayDlq',
      'stream records the relay could not send (on-failure records pointing into the stream); replay them while the stream holds them',
    ).queue;

    // ── Functions ─────────────────────────────────────────────────────────────────────
    const inventoryChaos = newChaosParameter(this, 'inventory');
    const inventory = new SagaFunction(this, 'Inventory', {
      ...functionDefaults,
      handlerDir: 'inventory',
      serviceName: 'inventory',
      timeout: Duration.seconds(timeouts.participantSeconds),
      environment: {
        [ENV.inventoryTable]: inventoryTable.tableName,
        ...faultEnvironment(settings.inventoryFaults, inventoryChaos),
      },
    });
    inventoryTable.grantReadWriteData(inventory.fn);
    inventoryChaos.grantRead(inventory.fn);
    inventory.fn.addEventSource(factSource(inventoryFacts.queue));

    const paymentChaos = newChaosParameter(this, 'payment');
    const payment = new SagaFunction(this, 'Payment', {
      ...functionDefaults,
      handlerDir: 'payment',
      serviceName: 'payment',
      timeout: Duration.seconds(timeouts.participantSeconds),
      environment: {
        [ENV.paymentsTable]: paymentsTable.tableName,
        [ENV.paymentLimit]: String(settings.paymentLimit),
        ...faultEnvironment(settings.paymentFaults, paymentChaos),
      },
    });
    paymentsTable.grantReadWriteData(payment.fn);
    paymentChaos.grantRead(payment.fn);
    payment.fn.addEventSource(factSource(paymentFacts.queue));

    const shippingChaos = newChaosParameter(this, 'shipping');
    const shipping = new SagaFunction(this, 'Shipping', {
      ...functionDefaults,
      handlerDir: 'shipping',
      serviceName: 'shipping',
      timeout: Duration.seconds(timeouts.participantSeconds),
      environment: {
        [ENV.shipmentsTable]: shipmentsTable.tableName,
        [ENV.shippingQueueUrl]: shippingQueue.queue.queueUrl,
        [ENV.maxReceiveCount]: String(settings.maxReceiveCount),
        ...faultEnvironment(settings.shippingFaults, shippingChaos),
      },
    });
    shipmentsTable.grantReadWriteData(shipping.fn);
    shippingChaos.grantRead(shipping.fn);
    // Its event source's grant includes sqs:ChangeMessageVisibility: shipping sets a failed
    // message's visibility timeout itself, which is its backoff.
    shipping.fn.addEventSource(factSource(shippingQueue.queue));

    const api = new SagaFunction(this, 'Api', {
      ...functionDefaults,
      handlerDir: 'api',
      serviceName: 'api',
      timeout: TIMEOUTS.api,
      environment: {
        [ENV.ordersTable]: ordersTable.tableName,
        [ENV.currency]: settings.currency,
      },
    });
    ordersTable.grantReadWriteData(api.fn);

    const relay = new SagaFunction(this, 'OutboxRelay', {
      ...functionDefaults,
      handlerDir: 'outbox-relay',
      serviceName: 'outbox-relay',
      timeout: TIMEOUTS.relay,
      environment: { [ENV.eventsTopicArn]: bus.topic.topicArn },
    });
    bus.topic.grantPublish(relay.fn);
    for (const table of [ordersTable, paymentsTable, inventoryTable, shipmentsTable])
      relay.fn.addEventSource(outboxSource(table, relayDlq));

    const worker = new SagaFunction(this, 'Worker', {
      ...functionDefaults,
      handlerDir: 'worker',
      serviceName: 'worker',
      timeout: Duration.seconds(timeouts.workerSeconds),
      environment: {
        [ENV.ordersTable]: ordersTable.tableName,
        [ENV.ordersQueueUrl]: orders.queue.queueUrl,
        [ENV.inventoryFunction]: inventory.fn.functionName,
        [ENV.paymentFunction]: payment.fn.functionName,
        [ENV.maxReceiveCount]: String(settings.maxReceiveCount),
        [ENV.invokeTimeoutMs]: String(timeouts.invokeMs),
      },
    });
    ordersTable.grantReadWriteData(worker.fn);
    grantInvokeUnqualified(inventory, worker);
    grantInvokeUnqualified(payment, worker);
    // The worker sets a failed message's visibility timeout itself: that is its backoff.
    worker.fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ChangeMessageVisibility'],
        resources: [orders.queue.queueArn],
      }),
    );
    worker.fn.addEventSource(
      new sources.SqsEventSource(orders.queue, {
        batchSize: 5,
        maxBatchingWindow: Duration.seconds(0),
        reportBatchItemFailures: true,
        maxConcurrency: 5,
        // No filter: the subscription lets only order.placed.v1 and the facts the order
        // service records in, and anything else that reaches the queue is an error the worker
        // reports (and the DLQ keeps), never dropped.
      }),
    );

    // ── API ───────────────────────────────────────────────────────────────────────────
    const ordersApi = new OrdersApi(this, 'OrdersApi', {
      type: settings.apiType,
      handler: api.fn,
      throttle: { rateLimit: settings.throttleRateLimit, burstLimit: settings.throttleBurstLimit },
      logRetention: retention,
    });

    // ── Alarms ────────────────────────────────────────────────────────────────────────
    new cloudwatch.Alarm(this, 'OrdersQueueOldestMessage', {
      metric: orders.queue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1) }),
      threshold: 300,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'Orders wait more than 5 minutes for the worker.',
    });
    new cloudwatch.Alarm(this, 'WorkerErrors', {
      metric: worker.fn.metricErrors({ period: Duration.minutes(5) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: 'The worker failed whole invocations (not single records).',
    });

    // ── Tracing: an order's lines across the six log groups ───────────────────────────
    // A saved Logs Insights query (free) for the console; `mini-ec trace` runs the same one.
    const traceQuery = new logs.QueryDefinition(this, 'OrderTraceQuery', {
      queryDefinitionName: `${this.stackName}/order-trace`,
      queryString: new logs.QueryString(orderTraceQueryParts(TRACE_QUERY_PLACEHOLDER)),
      logGroups: [api, relay, worker, inventory, payment, shipping].map((fn) => fn.logGroup),
    });

    // ── Outputs: what the CLI and a user need ─────────────────────────────────────────
    const outputs: Record<string, string> = {
      ApiUrl: ordersApi.url,
      OrdersTableName: ordersTable.tableName,
      InventoryTableName: inventoryTable.tableName,
      PaymentsTableName: paymentsTable.tableName,
      ShipmentsTableName: shipmentsTable.tableName,
      OrderEventsTopicArn: bus.topic.topicArn,
      OrdersQueueUrl: orders.queue.queueUrl,
      OrdersDlqUrl: orders.dlq.queueUrl,
      ShippingQueueUrl: shippingQueue.queue.queueUrl,
      ShippingDlqUrl: shippingQueue.dlq.queueUrl,
      PaymentFactsQueueUrl: paymentFacts.queue.queueUrl,
      PaymentFactsDlqUrl: paymentFacts.dlq.queueUrl,
      InventoryFactsQueueUrl: inventoryFacts.queue.queueUrl,
      InventoryFactsDlqUrl: inventoryFacts.dlq.queueUrl,
      RelayDlqUrl: relayDlq.queueUrl,
      ApiFunctionName: api.fn.functionName,
      OutboxRelayFunctionName: relay.fn.functionName,
      WorkerFunctionName: worker.fn.functionName,
      InventoryFunctionName: inventory.fn.functionName,
      PaymentFunctionName: payment.fn.functionName,
      ShippingFunctionName: shipping.fn.functionName,
      InventoryChaosParameterName: inventoryChaos.parameterName,
      PaymentChaosParameterName: paymentChaos.parameterName,
      ShippingChaosParameterName: shippingChaos.parameterName,
      // mini-ec trace reads these six (and only these) log groups.
      ApiLogGroupName: api.logGroup.logGroupName,
      OutboxRelayLogGroupName: relay.logGroup.logGroupName,
      WorkerLogGroupName: worker.logGroup.logGroupName,
      InventoryLogGroupName: inventory.logGroup.logGroupName,
      PaymentLogGroupName: payment.logGroup.logGroupName,
      ShippingLogGroupName: shipping.logGroup.logGroupName,
      OrderTraceQueryId: traceQuery.queryDefinitionId,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });

    acknowledgeFindings({ relay, relayDlq });
  }
}

/** A service's event source on its own queue of facts: batches of 5, failures reported per record. */
function factSource(queue: sqs.IQueue): sources.SqsEventSource {
  return new sources.SqsEventSource(queue, {
    batchSize: 5,
    maxBatchingWindow: Duration.seconds(0),
    reportBatchItemFailures: true,
    maxConcurrency: 2,
  });
}

const RETENTIONS = Object.values(logs.RetentionDays).filter(
  (v): v is number => typeof v === 'number',
);
function retentionDays(days: number): logs.RetentionDays {
  if (!RETENTIONS.includes(days)) {
    throw new Error(
      `context logRetentionDays must be one of ${RETENTIONS.join(', ')}, got ${days}`,
    );
  }
  return days as logs.RetentionDays;
}
