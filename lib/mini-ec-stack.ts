import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { ENV } from '../lambdas/shared/env-names.js';
import { ItemKind } from '../lambdas/shared/keys.js';
import { orderTraceQueryParts, TRACE_QUERY_PLACEHOLDER } from '../lambdas/shared/log-keys.js';
import { type FaultSettings, readSettings, type StackSettings } from './config.js';
import { EventBus } from './constructs/event-bus.js';
import { OrdersApi } from './constructs/orders-api.js';
import { newDeadLetterQueue, QueueWithDlq } from './constructs/queue-with-dlq.js';
import { grantInvokeUnqualified, SagaFunction } from './constructs/saga-function.js';
import { acknowledgeFindings } from './nag-acknowledgements.js';

/** Timeouts of the functions outside the saga's chain (that one is in settings.timeouts). */
const TIMEOUTS = {
  api: Duration.seconds(10),
  relay: Duration.seconds(30),
} as const;

/**
 * The whole saga: HTTP API → api λ → orders table (+ outbox event) → stream → relay λ →
 * events topic → (filter: order.placed.v1) orders queue → worker λ → inventory λ / payment λ.
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
    const ordersTable = newTable(this, 'OrdersTable', {
      stream: dynamodb.StreamViewType.NEW_IMAGE,
      timeToLiveAttribute: 'expiresAt',
    });
    const inventoryTable = newTable(this, 'InventoryTable', {});
    const paymentsTable = newTable(this, 'PaymentsTable', {});

    // ── Messaging: the bus, and each consumer's queue subscribed to the facts it takes ──
    const bus = new EventBus(this, 'OrderEvents');
    const orders = new QueueWithDlq(this, 'Orders', {
      visibilityTimeout: Duration.seconds(timeouts.visibilitySeconds),
      maxReceiveCount: settings.maxReceiveCount,
    });
    bus.subscribe(orders.queue, ['order.placed.v1']);
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
    relay.fn.addEventSource(
      new sources.DynamoEventSource(ordersTable, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: 100,
        maxBatchingWindow: Duration.seconds(0),
        bisectBatchOnError: true,
        retryAttempts: 10,
        maxRecordAge: Duration.hours(24),
        reportBatchItemFailures: true,
        parallelizationFactor: 1,
        onFailure: new sources.SqsDlq(relayDlq),
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { kind: { S: lambda.FilterRule.isEqual(ItemKind.event) } } },
          }),
        ],
      }),
    );

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
        // No filter: the subscription lets only order.placed.v1 in, and anything else that
        // reaches the queue is an error the worker reports (and the DLQ keeps), never dropped.
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

    // ── Tracing: an order's lines across the five log groups ──────────────────────────
    // A saved Logs Insights query (free) for the console; `mini-ec trace` runs the same one.
    const traceQuery = new logs.QueryDefinition(this, 'OrderTraceQuery', {
      queryDefinitionName: `${this.stackName}/order-trace`,
      queryString: new logs.QueryString(orderTraceQueryParts(TRACE_QUERY_PLACEHOLDER)),
      logGroups: [api, relay, worker, inventory, payment].map((fn) => fn.logGroup),
    });

    // ── Outputs: what the CLI and a user need ─────────────────────────────────────────
    const outputs: Record<string, string> = {
      ApiUrl: ordersApi.url,
      OrdersTableName: ordersTable.tableName,
      InventoryTableName: inventoryTable.tableName,
      PaymentsTableName: paymentsTable.tableName,
      OrderEventsTopicArn: bus.topic.topicArn,
      OrdersQueueUrl: orders.queue.queueUrl,
      OrdersDlqUrl: orders.dlq.queueUrl,
      RelayDlqUrl: relayDlq.queueUrl,
      ApiFunctionName: api.fn.functionName,
      OutboxRelayFunctionName: relay.fn.functionName,
      WorkerFunctionName: worker.fn.functionName,
      InventoryFunctionName: inventory.fn.functionName,
      PaymentFunctionName: payment.fn.functionName,
      InventoryChaosParameterName: inventoryChaos.parameterName,
      PaymentChaosParameterName: paymentChaos.parameterName,
      // mini-ec trace reads these five (and only these) log groups.
      ApiLogGroupName: api.logGroup.logGroupName,
      OutboxRelayLogGroupName: relay.logGroup.logGroupName,
      WorkerLogGroupName: worker.logGroup.logGroupName,
      InventoryLogGroupName: inventory.logGroup.logGroupName,
      PaymentLogGroupName: payment.logGroup.logGroupName,
      OrderTraceQueryId: traceQuery.queryDefinitionId,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });

    acknowledgeFindings({ relay, relayDlq });
  }
}

/**
 * A participant's chaos settings: a JSON object (`{}`: none) that `npx mini-ec chaos set`
 * changes while the stack runs; the participant reads it with a short cache.
 */
function newChaosParameter(scope: Stack, service: 'inventory' | 'payment'): ssm.StringParameter {
  return new ssm.StringParameter(
    scope,
    `${service === 'inventory' ? 'Inventory' : 'Payment'}Chaos`,
    {
      parameterName: `/${scope.stackName}/chaos/${service}`,
      stringValue: '{}',
      description: `Chaos settings of the ${service} participant (fault injection); {} in normal operation`,
    },
  );
}

/** The environment of a participant's fault injection: base settings and its chaos parameter. */
function faultEnvironment(
  faults: FaultSettings,
  chaos: ssm.StringParameter,
): Record<string, string> {
  return {
    [ENV.faultFailRate]: String(faults.failRate),
    [ENV.faultDelayMs]: String(faults.delayMs),
    [ENV.faultFailAfterCommit]: String(faults.failAfterCommit),
    [ENV.chaosParameterName]: chaos.parameterName,
  };
}

function newTable(
  scope: Construct,
  id: string,
  options: { stream?: dynamodb.StreamViewType; timeToLiveAttribute?: string },
): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: options.stream,
    timeToLiveAttribute: options.timeToLiveAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
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
