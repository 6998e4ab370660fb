/**
 * A throwaway SQS emulator (fauxqs) per test file on a free port. Points the SDK at it through
 * AWS_ENDPOINT_URL_SQS, exactly as the local cloud does.
 */
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
  stop(): Promise<void>;
}

/** Starts fauxqs on a free port and sets AWS_ENDPOINT_URL_SQS in this process's environment. */
export async function startLocalSqs(): Promise<LocalSqs> {
  useLocalAwsEnvironment();
  const server = await startFauxqs({ port: 0, logger: false });
  const endpoint = server.address;
  process.env.AWS_ENDPOINT_URL_SQS = endpoint;
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
    stop: () => server.stop(),
  };
}
