/**
 * `npm run bench:poll`: what one stream poll costs, the idle local cloud's main expense. Starts
 * DynamoDB Local alone (the local cloud's JVM flags) with one streaming table and polls its
 * empty shard with GetRecords, as the local cloud's stream source does (one SDK client,
 * cacheMiddleware): back to back, then every 250 ms (Lambda's four polls a second), and prints
 * the CPU ms per poll of the JVM (/proc) and of this process. Figures only; 127.0.0.1 only;
 * bounded (--seconds each phase, default 10).
 */

import { parseArgs } from 'node:util';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import { LOCAL_REGION_CONFIG, localCredentials } from '../local/emulators/credentials.js';
import { launchDynamoDbLocal } from '../local/emulators/dynamodb.js';
import { sleep } from '../local/ports.js';
import { cpuMsOf } from './cpu-meter.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60)
  throw new Error('--seconds must be an integer in [1, 60]');

const dynamo = await launchDynamoDbLocal();
try {
  await dynamo.ready;
  const created = await dynamo.client.send(
    new CreateTableCommand({
      TableName: 'poll',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }),
  );
  const streams = new DynamoDBStreamsClient({
    endpoint: dynamo.endpoint,
    ...LOCAL_REGION_CONFIG,
    credentials: localCredentials(),
    cacheMiddleware: true,
  });
  const streamArn = created.TableDescription?.LatestStreamArn;
  const { StreamDescription } = await streams.send(
    new DescribeStreamCommand({ StreamArn: streamArn }),
  );
  let iterator = (
    await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: StreamDescription?.Shards?.[0]?.ShardId,
        ShardIteratorType: 'LATEST',
      }),
    )
  ).ShardIterator;
  const jvmMs = () => cpuMsOf(dynamo.child.pid ?? 0);
  const phase = async (gapMs: number) => {
    const end = Date.now() + seconds * 1000;
    const jvmBefore = jvmMs();
    const selfBefore = process.cpuUsage();
    let polls = 0;
    while (Date.now() < end) {
      const answer = await streams.send(new GetRecordsCommand({ ShardIterator: iterator }));
      iterator = answer.NextShardIterator;
      polls++;
      if (gapMs > 0) await sleep(gapMs);
    }
    const self = process.cpuUsage(selfBefore);
    return {
      gapMs,
      polls,
      jvmMsPerPoll: +((jvmMs() - jvmBefore) / polls).toFixed(2),
      clientMsPerPoll: +((self.user + self.system) / 1000 / polls).toFixed(2),
    };
  };
  await phase(0); // warm-up: the JVM compiles the poll's code
  for (const result of [await phase(0), await phase(250)]) console.log(JSON.stringify(result));
  streams.destroy();
} finally {
  dynamo.child.kill('SIGKILL');
}
