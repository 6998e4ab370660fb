import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventSource, EventType } from '../../lambdas/shared/events.js';
import {
  EVENT_SOURCE_ATTRIBUTE,
  EVENT_TYPE_ATTRIBUTE,
} from '../../lambdas/shared/queue-messages.js';

/**
 * The saga's event bus: an SNS standard topic that the outbox relay publishes every event to
 * (TLS only, encrypted with the account's AWS managed SNS key), and per consumer a queue
 * subscribed with raw message delivery — the queue gets the CloudEvent itself and its message
 * attributes — and a filter policy on the `type` attribute (and on `source` where a type has
 * more than one producer), so a consumer receives only the facts it reacts to.
 */
export class EventBus extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'mini-ec order saga events',
      enforceSSL: true,
      masterKey: kms.Alias.fromAliasName(this, 'AwsManagedKey', 'alias/aws/sns'),
    });
  }

  /** Subscribes a consumer's queue to the events of these types (from these sources only, if given). */
  subscribe(
    queue: sqs.IQueue,
    types: readonly EventType[],
    sources?: readonly EventSource[],
  ): void {
    this.topic.addSubscription(
      new subscriptions.SqsSubscription(queue, {
        rawMessageDelivery: true,
        filterPolicy: {
          [EVENT_TYPE_ATTRIBUTE]: sns.SubscriptionFilter.stringFilter({ allowlist: [...types] }),
          ...(sources
            ? {
                [EVENT_SOURCE_ATTRIBUTE]: sns.SubscriptionFilter.stringFilter({
                  allowlist: [...sources],
                }),
              }
            : {}),
        },
      }),
    );
  }
}
