import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface QueueWithDlqProps {
  readonly visibilityTimeout: Duration;
  readonly maxReceiveCount: number;
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
    this.dlq = new sqs.Queue(this, 'Dlq', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      visibilityTimeout: props.visibilityTimeout,
      retentionPeriod: Duration.days(4),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deadLetterQueue: { queue: this.dlq, maxReceiveCount: props.maxReceiveCount },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.dlqAlarm = DeadLetterAlarm.on(this, 'DlqNotEmpty', this.dlq);
  }
}

/** Alarms as soon as a dead-letter queue holds a message. */
export class DeadLetterAlarm {
  /** An alarm on `queue`'s visible message count ≥ 1. */
  static on(scope: Construct, id: string, queue: sqs.IQueue): cloudwatch.Alarm {
    return new cloudwatch.Alarm(scope, id, {
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1) }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      alarmDescription: `Messages in ${id}: failed work waiting for an operator (redrive with npx mini-ec dlq redrive).`,
    });
  }
}
