/**
 * outbox-relay λ: a table's stream (filtered by the stack to inserted EVENT items) → the
 * events topic, which fans each event out to the queues whose subscription's filter takes its
 * type. Generic: it relays the outbox of any table whose stream the stack gives it. A record
 * whose message was not accepted is a batch item failure, retried by the event source mapping
 * (bisected, then sent to the on-failure destination).
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { requireEnv } from '../shared/config.js';
import { ENV } from '../shared/env-names.js';
import { asCloudEvent } from '../shared/events.js';
import { logger, recordLogger } from '../shared/powertools.js';
import { toQueueMessage } from '../shared/queue-messages.js';
import { withoutSdkLogger } from '../shared/sdk-clients.js';
import { NotAnEventError, SendFailedError } from './errors.js';
import { BatchingSender, SnsMessagePublisher } from './publisher.js';

const config = { topicArn: requireEnv(ENV.eventsTopicArn) };
// The endpoint is the one the environment resolves: SNS in AWS, whatever AWS_ENDPOINT_URL_SNS
// names elsewhere. cacheMiddleware: the command's middleware stack is resolved once.
const sns = withoutSdkLogger(new SNSClient({ cacheMiddleware: true }));
const sender = new BatchingSender(new SnsMessagePublisher(sns, config.topicArn));
const processor = new BatchProcessor(EventType.DynamoDBStreams);

async function relayRecord(record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  const event = image
    ? asCloudEvent(unmarshall(image as Record<string, AttributeValue>).event)
    : undefined;
  if (!event) {
    logger.error('stream record holds no CloudEvent', { eventID: record.eventID });
    throw new NotAnEventError(`stream record ${record.eventID ?? '?'} holds no CloudEvent`);
  }
  const log = recordLogger({ correlationId: event.correlationid, orderId: event.subject });
  try {
    const messageId = await sender.send(toQueueMessage(event));
    log.info('event relayed', { eventType: event.type, eventId: event.id, messageId });
  } catch (error) {
    const details =
      error instanceof SendFailedError ? { code: error.code, senderFault: error.senderFault } : {};
    log.error('event not relayed; the record is reported as a batch item failure', {
      eventType: event.type,
      eventId: event.id,
      ...details,
      error,
    });
    throw error;
  }
}

export const handler = async (event: DynamoDBStreamEvent, context: Context) => {
  logger.addContext(context);
  return processPartialResponse(event, relayRecord, processor, {
    context,
    throwOnFullBatchFailure: false,
  });
};
