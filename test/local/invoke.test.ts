import { InvokeCommand, LambdaClient, ResourceNotFoundException } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LambdaApiService } from '../../local/http/lambda-api.js';
import { Invoker } from '../../local/invoke/invoke.js';
import type { FunctionDef } from '../../local/template/stack.js';
import { fixtureStack } from '../support/local-cloud.js';

describe('the invoke path and the Lambda Invoke API', () => {
  let invoker: Invoker;
  let api: LambdaApiService;
  let lambda: LambdaClient;
  const output: string[] = [];

  beforeAll(async () => {
    const functions = fixtureStack()
      .functions()
      .filter((f) => ['EchoFunction', 'SleepyFunction'].includes(f.logicalId));
    invoker = new Invoker(functions, {
      envOf: (fn: FunctionDef) => ({
        PATH: process.env.PATH ?? '',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
        LAMBDA_TASK_ROOT: fn.assetDir,
        ...fn.environment,
      }),
      maxInstances: 2,
      onOutput: (fn) => (_stream, line) => output.push(`${fn.name}: ${line}`),
    });
    api = new LambdaApiService({ invoker: () => invoker });
    await api.start();
    lambda = new LambdaClient({
      endpoint: api.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    lambda?.destroy();
    await api?.stop();
    await invoker?.close();
  });

  it('round-trips an SDK InvokeCommand by name, ARN and partial ARN', async () => {
    for (const name of [
      'EchoFunction',
      'arn:aws:lambda:us-east-1:000000000000:function:EchoFunction',
      '000000000000:function:EchoFunction',
    ]) {
      const response = await lambda.send(
        new InvokeCommand({ FunctionName: name, Payload: Buffer.from(JSON.stringify({ n: 1 })) }),
      );
      const payload = JSON.parse(Buffer.from(response.Payload ?? []).toString());
      expect(response.StatusCode).toBe(200);
      expect(response.ExecutedVersion).toBe('$LATEST');
      expect(response.FunctionError).toBeUndefined();
      expect(payload.event).toEqual({ n: 1 });
      expect(payload.context.functionName).toBe('EchoFunction');
      expect(payload.context.remaining).toBeGreaterThan(2000);
    }
  });

  it('answers a thrown error as X-Amz-Function-Error Unhandled with the error payload', async () => {
    const response = await lambda.send(
      new InvokeCommand({
        FunctionName: 'EchoFunction',
        Payload: Buffer.from('{"fail":"on purpose"}'),
      }),
    );
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(response.Payload ?? []).toString())).toMatchObject({
      errorType: 'TypeError',
      errorMessage: 'asked to fail: on purpose',
    });
  });

  it('answers an unknown function with ResourceNotFoundException', async () => {
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: 'Nope', Payload: Buffer.from('{}') })),
    ).rejects.toThrow(ResourceNotFoundException);
  });

  it('accepts Event invocations with 202 and DryRun with 204', async () => {
    const event = await lambda.send(
      new InvokeCommand({
        FunctionName: 'EchoFunction',
        InvocationType: 'Event',
        Payload: Buffer.from('{"async":1}'),
      }),
    );
    const dryRun = await lambda.send(
      new InvokeCommand({ FunctionName: 'EchoFunction', InvocationType: 'DryRun' }),
    );
    expect(event.StatusCode).toBe(202);
    expect(dryRun.StatusCode).toBe(204);
  });

  it('refuses a payload over 6 MB', async () => {
    await expect(invoker.invoke('EchoFunction', 'x'.repeat(6 * 1024 * 1024 + 1))).rejects.toThrow(
      /smaller than/,
    );
  });

  it('kills a function that outlives its timeout, then serves the next invocation from a fresh process', async () => {
    const first = await invoker.invoke('SleepyFunction', { ms: 0 });
    const timedOut = await invoker.invoke('SleepyFunction', { ms: 5_000 });
    const next = await invoker.invoke('SleepyFunction', { ms: 0 });

    expect(timedOut.timedOut).toBe(true);
    expect(timedOut.functionError).toBe('Unhandled');
    expect(JSON.parse(timedOut.payload)).toMatchObject({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringContaining('Task timed out after 1.00 seconds'),
    });
    expect(timedOut.durationMs).toBeLessThan(2_000);
    expect(next.functionError).toBeUndefined();
    expect(JSON.parse(next.payload).pid).not.toBe(JSON.parse(first.payload).pid);
  });

  it('reports a crashed process as an error and replaces it', async () => {
    const crashed = await invoker.invoke('EchoFunction', { crash: true });
    const after = await invoker.invoke('EchoFunction', { ok: true });
    expect(crashed.error).toMatchObject({ errorType: 'Runtime.ExitError' });
    expect(after.functionError).toBeUndefined();
  });

  it('runs one invocation at a time per process, and at most maxInstances processes', async () => {
    const results = await Promise.all(
      Array.from({ length: 4 }, () => invoker.invoke('SleepyFunction', { ms: 200 })),
    );
    const pids = new Set(results.map((r) => JSON.parse(r.payload).pid));
    expect(results.every((r) => !r.functionError)).toBe(true);
    expect(pids.size).toBeLessThanOrEqual(2);
    expect(invoker.pids().length).toBeLessThanOrEqual(4);
  });
});
