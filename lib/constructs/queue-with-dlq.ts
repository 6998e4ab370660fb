import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface QueueWithDlqProps {
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
  /** What lands in the DLQ and what an operator does about it (the alarm's description). */
  readonly holds: string;
}

/**
 * A queue that always comes with its dead-letter queue and an alarm on the DLQ's depth:
 * nothing can fail silently into it. Both are SSE-SQS encrypted and TLS-only.
 */
export class QueueWithDlq extends Construct {
  readonly queue: sqs.Queue;
  readonly dlq: sqs.Queue;
  readonly dlqAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    const dead = newDeadLetterQueue(this, 'Dlq', props.holds);
    this.dlq = dead.queue;
    this.dlqAlarm = dead.alarm;
    this.queue = new sqs.Queue(this, 'Queue', {
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}

/**
 * A dead-letter queue (14 days, SSE-SQS, TLS only) with an alarm `<id>NotEmpty` that fires as
 * soon as it holds a message; `holds` says what lands there and what an operator does.
 */
export function newDeadLetterQueue(
  scope: Construct,
  id: string,
  holds: string,
): { queue: sqs.Queue; alarm: cloudwatch.Alarm } {
  const queue = new sqs.Queue(scope, id, {
    retentionPeriod: Duration.days(14),
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const alarm = new cloudwatch.Alarm(scope, `${id}NotEmpty`, {
    metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
    threshold: 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    alarmDescription: `Messages in ${id}: ${holds}.`,
  });
  return { queue, alarm };
}
