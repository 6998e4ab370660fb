import { InvokeCommand, LambdaClient, TooManyRequestsException } from '@aws-sdk/client-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { LambdaApiService } from '../../local/http/lambda-api.js';
import { Invoker, TooManyRequestsError } from '../../local/invoke/invoke.js';
import type { FunctionDef } from '../../local/template/stack.js';
import { fixtureStack } from './helpers.js';

/** The fixture's SleepyFunction with a 2 s timeout, in a pool of one instance (cold at first). */
function oneInstanceInvoker(): Invoker {
  const sleepy = fixtureStack()
    .functions()
    .find((f) => f.logicalId === 'SleepyFunction');
  if (!sleepy) throw new Error('no SleepyFunction in the fixture');
  return new Invoker([{ ...sleepy, timeoutSeconds: 2 }], {
    envOf: (fn: FunctionDef) => ({
      PATH: process.env.PATH ?? '',
      AWS_LAMBDA_FUNCTION_NAME: fn.name,
      LAMBDA_TASK_ROOT: fn.assetDir,
      ...fn.environment,
    }),
    maxInstances: 1,
    onOutput: () => () => undefined,
  });
}

describe('a function pool with every instance busy', () => {
  let invoker: Invoker | undefined;
  afterEach(async () => {
    await invoker?.close();
  });

  it('runs a waiting invocation once an instance is free within the function timeout', async () => {
    invoker = oneInstanceInvoker();
    const busy = invoker.invoke('SleepyFunction', { ms: 300 });
    const waiting = invoker.invoke('SleepyFunction', { ms: 0 });

    const [first, second] = await Promise.all([busy, waiting]);

    expect(first.functionError).toBeUndefined();
    expect(second.functionError).toBeUndefined();
  });

  it('throttles an invocation that found no free instance within the function timeout (TooManyRequestsError)', async () => {
    invoker = oneInstanceInvoker();
    const busy = invoker.invoke('SleepyFunction', { ms: 10_000 });
    const started = Date.now();

    const waiting = await invoker.invoke('SleepyFunction', { ms: 0 }).then(
      () => 'ran',
      (error: unknown) => error,
    );
    const waitedMs = Date.now() - started;

    expect(waiting).toBeInstanceOf(TooManyRequestsError);
    expect(waitedMs).toBeGreaterThanOrEqual(1_900);
    expect(waitedMs).toBeLessThan(3_000);
    expect((await busy).timedOut).toBe(true);
  });

  it("answers the Lambda Invoke API's throttle: 429 TooManyRequestsException", async () => {
    invoker = oneInstanceInvoker();
    const current = invoker;
    const api = new LambdaApiService({ invoker: () => current });
    await api.start();
    const lambda = new LambdaClient({
      endpoint: api.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const name = invoker.find('SleepyFunction')?.name;
    const busy = invoker.invoke('SleepyFunction', { ms: 10_000 });
    try {
      const throttled = await lambda
        .send(
          new InvokeCommand({
            FunctionName: name,
            Payload: Buffer.from(JSON.stringify({ ms: 0 })),
          }),
        )
        .then(
          () => undefined,
          (error: unknown) => error,
        );

      expect(throttled).toBeInstanceOf(TooManyRequestsException);
      expect((throttled as TooManyRequestsException).$metadata.httpStatusCode).toBe(429);
    } finally {
      lambda.destroy();
      await api.stop();
      await busy;
    }
  });
});
