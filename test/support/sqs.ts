/**
 * A throwaway SQS and SNS emulator (fauxqs) per test file on a free port. Points the SDK at it
 * through AWS_ENDPOINT_URL_SQS and AWS_ENDPOINT_URL_SNS, exactly as the local cloud does.
 */
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { type FauxqsServer, startFauxqs } from 'fauxqs';
import { useLocalAwsEnvironment } from './ddb.js';

/** A running fauxqs. */
export interface LocalSqs {
  server: FauxqsServer;
  endpoint: string;
  /** Creates a queue with a unique name; returns its URL and name. */
  createQueue(
    prefix: string,
    attributes?: Record<string, string>,
  ): { queueUrl: string; queueName: string };
  /**
   * Creates a topic with a unique name, subscribes the queue to it with raw message delivery
   * and, if given, a filter policy; returns the topic's ARN.
   */
  createTopic(prefix: string, queueName: string, filterPolicy?: object): string;
  stop(): Promise<void>;
}

/** Starts fauxqs on a free port and sets AWS_ENDPOINT_URL_SQS in this process's environment. */
export async function startLocalSqs(): Promise<LocalSqs> {
  useLocalAwsEnvironment();
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = server.address;
  process.env.AWS_ENDPOINT_URL_SQS = endpoint;
  process.env.AWS_ENDPOINT_URL_SNS = endpoint;
  let counter = 0;
  return {
    server,
    endpoint,
    createQueue: (prefix, attributes) => {
      counter += 1;
      const { queueUrl, queueName } = server.createQueue(`${prefix}-${process.pid}-${counter}`, {
        region: 'us-east-1',
        ...(attributes ? { attributes } : {}),
      });
      return { queueUrl, queueName };
    },
    createTopic: (prefix, queueName, filterPolicy) => {
      counter += 1;
      const name = `${prefix}-${process.pid}-${counter}`;
      const { topicArn } = server.createTopic(name, { region: 'us-east-1' });
      server.subscribe({
        topic: name,
        queue: queueName,
        region: 'us-east-1',
        attributes: {
          RawMessageDelivery: 'true',
          ...(filterPolicy ? { FilterPolicy: JSON.stringify(filterPolicy) } : {}),
        },
      });
      return topicArn;
    },
    stop: () => server.stop(),
  };
}

/**
 * An SQS message as Lambda's SQS event source hands it to a function (the record of an
 * SQSEvent), for tests that receive from fauxqs and call a handler themselves.
 */
export function sqsRecordOf(m: Message, queueName: string): SQSRecord {
  return {
    messageId: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    attributes: {
      ApproximateReceiveCount: m.Attributes?.ApproximateReceiveCount ?? '1',
      SentTimestamp: m.Attributes?.SentTimestamp ?? '0',
      SenderId: 'test',
      ApproximateFirstReceiveTimestamp: m.Attributes?.ApproximateFirstReceiveTimestamp ?? '0',
    },
    messageAttributes: {},
    md5OfBody: m.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:us-east-1:000000000000:${queueName}`,
    awsRegion: 'us-east-1',
  };
}
