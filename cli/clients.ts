/**
 * SDK clients for a target: its region and, for the local cloud, the emulator's endpoint and
 * static credentials (a deployed stack uses the SDK's default endpoint and credential chain).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Target } from './target.js';

/** The settings of a client for one service of the target (`dynamodb` also serves its streams). */
export function clientConfig(
  target: Target,
  service: 'dynamodb' | 'sqs' | 'sns' | 'ssm',
  maxAttempts = 3,
): {
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
} {
  const endpoint = target.endpoints?.[service];
  return {
    region: target.region,
    ...(endpoint ? { endpoint } : {}),
    ...(target.credentials ? { credentials: target.credentials } : {}),
    maxAttempts,
  };
}

/** A DynamoDB document client for the target's tables. */
export function documentClient(target: Target, maxAttempts = 3): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(
    new DynamoDBClient(clientConfig(target, 'dynamodb', maxAttempts)),
    {
      marshallOptions: { removeUndefinedValues: true },
    },
  );
}
