/**
 * Each service's table, which is its outbox too: on-demand pk/sk items, point-in-time
 * recovery, destroyed with the stack, and a stream of new images that the outbox relay reads
 * (an event item inserted beside the item it is about goes on to the bus).
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ItemKind } from '../lambdas/shared/keys.js';

/** Every table's stream: new images, which the relay reads its outbox events from. */
const OUTBOX_STREAM = dynamodb.StreamViewType.NEW_IMAGE;

/**
 * The relay's event source on a table's stream: inserted EVENT items only, in batches of up to
 * 100, bisected on error and retried 10 times within 24 h, then sent to the relay's DLQ.
 */
export function outboxSource(table: dynamodb.Table, dlq: sqs.IQueue): sources.DynamoEventSource {
  return new sources.DynamoEventSource(table, {
    startingPosition: lambda.StartingPosition.TRIM_HORIZON,
    batchSize: 100,
    maxBatchingWindow: Duration.seconds(0),
    bisectBatchOnError: true,
    retryAttempts: 10,
    maxRecordAge: Duration.hours(24),
    reportBatchItemFailures: true,
    parallelizationFactor: 1,
    onFailure: new sources.SqsDlq(dlq),
    filters: [
      lambda.FilterCriteria.filter({
        eventName: lambda.FilterRule.isEqual('INSERT'),
        dynamodb: { NewImage: { kind: { S: lambda.FilterRule.isEqual(ItemKind.event) } } },
      }),
    ],
  });
}

/** A service's table (`timeToLiveAttribute`: the attribute TTL expires items by). */
export function newServiceTable(
  scope: Construct,
  id: string,
  options: { timeToLiveAttribute?: string } = {},
): dynamodb.Table {
  return new dynamodb.Table(scope, id, {
    partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
    sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    stream: OUTBOX_STREAM,
    timeToLiveAttribute: options.timeToLiveAttribute,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    removalPolicy: RemovalPolicy.DESTROY,
  });
}
