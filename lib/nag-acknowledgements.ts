import { Validations } from 'aws-cdk-lib';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { SagaFunction } from './constructs/saga-function.js';

export interface NagScope {
  readonly relay: SagaFunction;
  readonly relayDlq: sqs.Queue;
}

/**
 * The cdk-nag AwsSolutions findings accepted on purpose, each with the reason a reviewer
 * would want. The API's acknowledgements live beside it, in lib/constructs/orders-api.ts. Everything else is fixed in the constructs; a new finding fails the synth.
 */
export function acknowledgeFindings(scope: NagScope): void {
  Validations.of(scope.relay.role).acknowledge({
    id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
    reason:
      'dynamodb:ListStreams cannot be scoped to a resource; the Lambda event source mapping needs it to find the table stream. Every other stream action is scoped to the stream ARN.',
  });
  Validations.of(scope.relayDlq).acknowledge({
    id: 'AwsSolutions::AwsSolutions-SQS3',
    reason:
      "It is the dead-letter destination of the relay's stream event source (on-failure records), alarmed and drained by an operator; a DLQ of a DLQ would only move the problem.",
  });
}
