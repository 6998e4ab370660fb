/**
 * Measured usage of a deployed stack over a time window, from CloudWatch metrics (AWS/Lambda,
 * AWS/ApiGateway, AWS/SQS, AWS/DynamoDB, AWS/Logs) and the orders created in it (a COUNT scan
 * of the orders table). Not run against AWS here: tested with stubbed clients.
 */
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { ItemKind } from '../../lambdas/shared/keys.js';
import { CliError, callAws, EXIT } from '../errors.js';
import { perFunctionOutputs, queueNameOf, type StackOutputs } from '../target.js';
import type { MeasuredUsage } from './pricing.js';
import type { StackFacts } from './usage.js';

interface Metric {
  readonly namespace: string;
  readonly name: string;
  readonly dimension: string;
  readonly value: string;
  /** Where the sum goes in the usage. */
  readonly key: string;
}

/** The metrics to sum, from the stack's outputs. */
export function metricsOf(outputs: StackOutputs): Metric[] {
  const metrics: Metric[] = [];
  for (const [fn, value] of perFunctionOutputs(outputs, 'FunctionName')) {
    for (const name of ['Invocations', 'Duration']) {
      metrics.push({
        namespace: 'AWS/Lambda',
        name,
        dimension: 'FunctionName',
        value,
        key: `lambda.${fn}.${name}`,
      });
    }
  }
  for (const [fn, value] of perFunctionOutputs(outputs, 'LogGroupName')) {
    metrics.push({
      namespace: 'AWS/Logs',
      name: 'IncomingBytes',
      dimension: 'LogGroupName',
      value,
      key: `logs.${fn}`,
    });
  }
  for (const [key, value] of Object.entries(outputs)) {
    if (/^\w+TableName$/.test(key)) {
      for (const name of ['ConsumedReadCapacityUnits', 'ConsumedWriteCapacityUnits']) {
        metrics.push({
          namespace: 'AWS/DynamoDB',
          name,
          dimension: 'TableName',
          value,
          key: `dynamodb.${value}.${name}`,
        });
      }
    }
    if (/^\w+TopicArn$/.test(key)) {
      const topic = value.slice(value.lastIndexOf(':') + 1);
      metrics.push({
        namespace: 'AWS/SNS',
        name: 'NumberOfMessagesPublished',
        dimension: 'TopicName',
        value: topic,
        key: `sns.${topic}.NumberOfMessagesPublished`,
      });
    }
    if (/^\w+(Queue|Dlq)Url$/.test(key)) {
      const queue = queueNameOf(value);
      for (const name of [
        'NumberOfMessagesSent',
        'NumberOfMessagesReceived',
        'NumberOfMessagesDeleted',
        'NumberOfEmptyReceives',
      ]) {
        metrics.push({
          namespace: 'AWS/SQS',
          name,
          dimension: 'QueueName',
          value: queue,
          key: `sqs.${queue}.${name}`,
        });
      }
    }
  }
  const apiId = /^https:\/\/([a-z0-9]+)\.execute-api\./.exec(outputs.ApiUrl)?.[1];
  if (apiId)
    metrics.push({
      namespace: 'AWS/ApiGateway',
      name: 'Count',
      dimension: 'ApiId',
      value: apiId,
      key: 'api.Count',
    });
  return metrics;
}

/** The sum of each metric over [start, end), by GetMetricData (500 queries a request, every page). */
export async function sumMetrics(
  client: CloudWatchClient,
  metrics: readonly Metric[],
  start: Date,
  end: Date,
): Promise<Map<string, number>> {
  const seconds = Math.max(60, Math.ceil((end.getTime() - start.getTime()) / 60_000) * 60);
  const sums = new Map<string, number>();
  for (let i = 0; i < metrics.length; i += 500) {
    const chunk = metrics.slice(i, i + 500);
    const queries: MetricDataQuery[] = chunk.map((m, j) => ({
      Id: `m${i + j}`,
      MetricStat: {
        Metric: {
          Namespace: m.namespace,
          MetricName: m.name,
          Dimensions: [{ Name: m.dimension, Value: m.value }],
        },
        Period: seconds,
        Stat: 'Sum',
      },
      ReturnData: true,
    }));
    let NextToken: string | undefined;
    do {
      const page = await callAws('CloudWatch GetMetricData', () =>
        client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: start,
            EndTime: end,
            NextToken,
          }),
        ),
      );
      for (const result of page.MetricDataResults ?? []) {
        const index = Number(result.Id?.slice(1));
        const metric = metrics[index];
        if (!metric) continue;
        const sum = (result.Values ?? []).reduce((n, v) => n + v, 0);
        sums.set(metric.key, (sums.get(metric.key) ?? 0) + sum);
      }
      NextToken = page.NextToken;
    } while (NextToken);
  }
  return sums;
}

/** Orders created in [start, end): a COUNT scan of the orders table (its order items only). */
export async function countOrders(
  db: DynamoDBDocumentClient,
  table: string,
  start: Date,
  end: Date,
): Promise<number> {
  let count = 0;
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await callAws(`counting the orders in ${table}`, () =>
      db.send(
        new ScanCommand({
          TableName: table,
          Select: 'COUNT',
          FilterExpression: 'kind = :order AND createdAt >= :start AND createdAt < :end',
          ExpressionAttributeValues: {
            ':order': ItemKind.order,
            ':start': start.toISOString(),
            ':end': end.toISOString(),
          },
          ExclusiveStartKey,
        }),
      ),
    );
    count += page.Count ?? 0;
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return count;
}

/**
 * The usage of the window from the metric sums. Lambda's Duration is not rounded as billed:
 * each invocation is counted 1 ms more (the most rounding up can add). SQS bills requests,
 * CloudWatch counts messages: sends, receives and deletes are counted one request per message
 * (the relay and the event source batch them: an upper bound), plus the empty receives.
 */
export function measuredFromMetrics(
  sums: ReadonlyMap<string, number>,
  orders: number,
  facts: StackFacts,
  window: string,
): MeasuredUsage {
  if (orders === 0) {
    throw new CliError(
      `no order was placed in ${window}: widen --since, or place some first`,
      EXIT.failed,
    );
  }
  const get = (key: string) => sums.get(key) ?? 0;
  const functions: MeasuredUsage['functions'] = {};
  const sqs: Record<string, number> = {};
  // CloudWatch counts published messages, not PublishBatch's 64 KB chunks: each message is
  // taken as one billed request, an upper bound (up to 10× the bill of small batched events).
  const sns: Record<string, number> = {};
  const dynamodb: Record<string, { readUnits: number; writeUnits: number }> = {};
  for (const key of sums.keys()) {
    const [service, name] = key.split('.');
    if (service === 'lambda' && name && !functions[name]) {
      const invocations = get(`lambda.${name}.Invocations`);
      functions[name] = {
        invocations,
        billedMs: get(`lambda.${name}.Duration`) + invocations,
        memoryMb: facts.functions[name]?.memoryMb ?? 128,
        architecture: facts.functions[name]?.architecture ?? 'x86_64',
        logBytes: get(`logs.${name}`),
      };
    }
    if (service === 'sqs' && name) {
      sqs[name] = [
        'NumberOfMessagesSent',
        'NumberOfMessagesReceived',
        'NumberOfMessagesDeleted',
        'NumberOfEmptyReceives',
      ].reduce((n, metric) => n + get(`sqs.${name}.${metric}`), 0);
    }
    if (service === 'sns' && name) sns[name] = get(`sns.${name}.NumberOfMessagesPublished`);
    if (service === 'dynamodb') {
      const table = key.slice('dynamodb.'.length, key.lastIndexOf('.'));
      dynamodb[table] = {
        readUnits: get(`dynamodb.${table}.ConsumedReadCapacityUnits`),
        writeUnits: get(`dynamodb.${table}.ConsumedWriteCapacityUnits`),
      };
    }
  }
  return {
    orders,
    source: `CloudWatch metrics of ${window}`,
    functions,
    api: { type: facts.apiType, requests: get('api.Count') },
    sqs,
    sns,
    dynamodb,
    streamReads: 0,
    ssmRequests: 0,
  };
}
