import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Invoker } from '../../local/invoke/invoke.js';
import type { FunctionDef } from '../../local/template/stack.js';
import { fixtureStack } from './helpers.js';

/** Resolves after `ms`. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('killing a function mid-invocation, on request', () => {
  let invoker: Invoker;

  beforeAll(() => {
    const functions = fixtureStack()
      .functions()
      .filter((f) => ['EchoFunction', 'SleepyFunction'].includes(f.logicalId));
    invoker = new Invoker(functions, {
      envOf: (fn: FunctionDef) => ({
        PATH: process.env.PATH ?? '',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        LAMBDA_TASK_ROOT: fn.assetDir,
        ...fn.environment,
      }),
      maxInstances: 2,
      onOutput: () => () => undefined,
    });
  });

  afterAll(async () => {
    await invoker?.close();
  });

  it('ends the running invocation as a crashed runtime, and the next invocation gets a fresh process', async () => {
    const first = await invoker.invoke('SleepyFunction', { ms: 0 });
    const running = invoker.invoke('SleepyFunction', { ms: 800 });
    await pause(200);

    const killed = invoker.kill('SleepyFunction');
    const crashed = await running;
    const next = await invoker.invoke('SleepyFunction', { ms: 0 });

    expect(killed).toEqual([JSON.parse(first.payload).pid]);
    expect(crashed.functionError).toBe('Unhandled');
    expect(crashed.error).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('SIGKILL'),
    });
    expect(JSON.parse(next.payload).pid).not.toBe(JSON.parse(first.payload).pid);
  });

  it('kills only the instances whose payload matches, and none that are idle', async () => {
    const a = invoker.invoke('SleepyFunction', { ms: 600, order: 'ORDER-A' });
    const b = invoker.invoke('SleepyFunction', { ms: 600, order: 'ORDER-B' });
    await pause(200);

    const killed = invoker.kill('SleepyFunction', { payloadIncludes: 'ORDER-A' });
    const [resultA, resultB] = await Promise.all([a, b]);

    expect(killed).toHaveLength(1);
    expect(resultA.error?.errorType).toBe('Runtime.ExitError');
    expect(resultB.functionError).toBeUndefined();
    expect(invoker.kill('SleepyFunction')).toEqual([]);
  });

  it('runs after-invoke hooks once the callee succeeded and before its caller gets the answer', async () => {
    const caller = invoker.invoke('SleepyFunction', { ms: 800, order: 'ORDER-C' });
    await pause(200);
    const seen: string[] = [];
    const stop = invoker.onAfterInvoke((fn, payload) => {
      seen.push(fn.logicalId);
      if (payload.includes('ORDER-C'))
        invoker.kill('SleepyFunction', { payloadIncludes: 'ORDER-C' });
    });

    const callee = await invoker.invoke('EchoFunction', { order: 'ORDER-C' });
    stop();
    const callerResult = await caller;
    await invoker.invoke('EchoFunction', { order: 'ORDER-C' });

    expect(callee.functionError).toBeUndefined();
    expect(callerResult.error?.errorType).toBe('Runtime.ExitError');
    expect(seen).toEqual(['EchoFunction']);
  });
});
