import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { type LocalCloud, type LogLine, startLocalCloud } from '../../local/cloud.js';
import { Invoker } from '../../local/invoke/invoke.js';
import type { FunctionDef } from '../../local/template/stack.js';
import { eventually, fixtureStack } from '../support/local-cloud.js';

/**
 * A two-function saga on its own assembly: `caller` (also fed by SagaQueue, visibility 3 s)
 * asks `callee` to reserve then charge through the Lambda Invoke API; both count what they
 * did in LedgerTable (`<order>#<command>` commits, `<order>#<command>#replied` replies).
 */
const CRASH_ASSEMBLY = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'fixtures',
  'crash-assembly',
);
const VISIBILITY_MS = 3_000;

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

  it('replaces an instance whose process died while idle instead of handing it the next invocation', async () => {
    const first = JSON.parse((await invoker.invoke('EchoFunction', { n: 1 })).payload).pid;
    process.kill(first, 'SIGKILL');
    await eventually(() => (invoker.pids().includes(first) ? undefined : true));

    const next = await invoker.invoke('EchoFunction', { n: 2 });

    expect(next.functionError).toBeUndefined();
    expect(JSON.parse(next.payload).pid).not.toBe(first);
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

describe('crashes in the local cloud: kill on request, and crashAfter rules', () => {
  let cloud: LocalCloud;
  let dynamodb: DynamoDBClient;
  let sqs: SQSClient;
  let stdout: MockInstance<typeof process.stdout.write>;
  const lines: LogLine[] = [];
  const consoleView: string[] = [];

  beforeAll(async () => {
    // The system lines go to the console view only: capture it, quietly.
    stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      consoleView.push(String(chunk));
      return true;
    });
    cloud = await startLocalCloud({
      assemblyDir: CRASH_ASSEMBLY,
      port: 0,
      stateDir: mkdtempSync(path.join(tmpdir(), 'mini-ec-crash-')),
      writeCloudJson: false,
      onLog: (line) => lines.push(line),
    });
    const client = {
      region: cloud.region,
      credentials: cloud.credentials,
    };
    dynamodb = new DynamoDBClient({ ...client, endpoint: cloud.endpoints.dynamodb });
    sqs = new SQSClient({ ...client, endpoint: cloud.endpoints.sqs });
  }, 60_000);

  afterAll(async () => {
    dynamodb?.destroy();
    sqs?.destroy();
    await cloud?.stop();
    stdout?.mockRestore();
  });

  /** The ledger entries of an order: `reserve` commits, `reserve#replied` replies, … */
  async function ledger(orderId: string): Promise<Record<string, number>> {
    const { Items = [] } = await dynamodb.send(
      new ScanCommand({ TableName: cloud.tables.LedgerTable, ConsistentRead: true }),
    );
    const entries: Record<string, number> = {};
    for (const item of Items) {
      const id = item.id?.S ?? '';
      if (!id.startsWith(`${orderId}#`)) continue;
      entries[id.slice(orderId.length + 1)] = Number(item.commits?.N ?? item.replies?.N);
    }
    return entries;
  }

  /** The caller's log line `message` for an order, once written. */
  const callerLine = (message: string, orderId: string, receiveCount = 1) =>
    eventually(
      () =>
        lines.find(
          (l) =>
            l.functionId === 'CallerFunction' &&
            l.json?.message === message &&
            l.json.orderId === orderId &&
            l.json.receiveCount === receiveCount,
        ),
      15_000,
    );

  it('kill() ends an in-flight invocation as a crashed runtime; pids() drops it and the next invocation cold-starts', async () => {
    const running = cloud.invoke('caller', { orderId: 'kill-1', holdMs: 2_000 });
    const started = await callerLine('started', 'kill-1');
    const pid = started.json?.pid as number;
    expect(cloud.pids()).toContain(pid);

    expect(cloud.kill('caller', { payloadIncludes: 'someone-else' })).toBe(0);
    expect(cloud.kill('CallerFunction', { payloadIncludes: 'kill-1' })).toBe(1);
    expect(cloud.pids()).not.toContain(pid);
    const crashed = await running;
    const next = await cloud.invoke('caller', { orderId: 'kill-2' });

    expect(crashed.functionError).toBe('Unhandled');
    expect(crashed.error).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: 'Runtime exited with signal: SIGKILL',
    });
    expect(consoleView.join('')).toContain(
      `killed caller instance pid ${pid} mid-invocation (on request)`,
    );
    expect(await ledger('kill-1')).toEqual({});
    expect(next.functionError).toBeUndefined();
    expect(JSON.parse(next.payload)).toMatchObject({ done: true, pid: expect.any(Number) });
    expect(JSON.parse(next.payload).pid).not.toBe(pid);
    expect(await ledger('kill-2')).toEqual({
      reserve: 1,
      'reserve#replied': 1,
      charge: 1,
      'charge#replied': 1,
    });
  });

  it('crashAfter kills the caller between reserve and charge: reserve committed, its reply never arrived', async () => {
    const rule = cloud.crashAfter({
      victim: 'caller',
      after: 'callee',
      when: (p) => (p as { command?: string }).command === 'reserve',
      rate: 1,
    });
    const result = await cloud.invoke('caller', { orderId: 'between-reserve-charge' });
    rule.stop();

    expect(result.error?.errorType).toBe('Runtime.ExitError');
    expect(rule.crashes).toBe(1);
    expect(await ledger('between-reserve-charge')).toEqual({ reserve: 1 });
    expect(consoleView.join('')).toContain(
      'mid-invocation (after callee for order between-reserve-charge)',
    );
  });

  it('crashAfter kills the caller between charge and confirm: charge committed, its reply never arrived', async () => {
    const rule = cloud.crashAfter({
      victim: 'CallerFunction',
      after: 'CalleeFunction',
      when: (p) => (p as { command?: string }).command === 'charge',
      rate: 1,
    });
    const result = await cloud.invoke('caller', { orderId: 'between-charge-confirm' });
    rule.stop();

    expect(result.error?.errorType).toBe('Runtime.ExitError');
    expect(rule.crashes).toBe(1);
    expect(await ledger('between-charge-confirm')).toEqual({
      reserve: 1,
      'reserve#replied': 1,
      charge: 1,
    });
  });

  it('crashAfter follows its rate: never at 0, and at 0.5 as the injected randomness decides', async () => {
    const never = cloud.crashAfter({ victim: 'caller', after: 'callee', rate: 0 });
    const survived = await cloud.invoke('caller', { orderId: 'rate-zero' });
    never.stop();
    const draws = [0.7, 0.7, 0.2];
    const half = cloud.crashAfter({
      victim: 'caller',
      after: 'callee',
      rate: 0.5,
      random: () => draws.shift() ?? 1,
    });
    const lucky = await cloud.invoke('caller', { orderId: 'rate-half-a' });
    const unlucky = await cloud.invoke('caller', { orderId: 'rate-half-b' });
    half.stop();

    expect(survived.functionError).toBeUndefined();
    expect(never.crashes).toBe(0);
    expect(lucky.functionError).toBeUndefined();
    expect(unlucky.error?.errorType).toBe('Runtime.ExitError');
    expect(half.crashes).toBe(1);
    expect(draws).toEqual([]);
    expect(await ledger('rate-half-b')).toEqual({ reserve: 1 });
  });

  it('crashAfter stops at max crashes, and after stop()', async () => {
    const once = cloud.crashAfter({ victim: 'caller', after: 'callee', rate: 1, max: 1 });
    const first = await cloud.invoke('caller', { orderId: 'max-a' });
    const second = await cloud.invoke('caller', { orderId: 'max-b' });
    const always = cloud.crashAfter({ victim: 'caller', after: 'callee', rate: 1 });
    always.stop();
    const third = await cloud.invoke('caller', { orderId: 'stopped' });
    once.stop();

    expect(first.error?.errorType).toBe('Runtime.ExitError');
    expect(second.functionError).toBeUndefined();
    expect(third.functionError).toBeUndefined();
    expect(once.crashes).toBe(1);
    expect(always.crashes).toBe(0);
  });

  it('a crashAfter predicate that throws crashes nothing and leaves the answer alone', async () => {
    const rule = cloud.crashAfter({
      victim: 'caller',
      after: 'callee',
      rate: 1,
      when: () => {
        throw new Error('bad predicate');
      },
    });
    const result = await cloud.invoke('caller', { orderId: 'throwing-when' });
    rule.stop();

    expect(result.functionError).toBeUndefined();
    expect(rule.crashes).toBe(0);
    expect(consoleView.join('')).toContain('when() threw Error: bad predicate; no crash');
  });

  it('several rules at once: each kills on its own condition, up to its own max', async () => {
    const command = (name: string) => (p: unknown) => (p as { command?: string }).command === name;
    const afterReserve = cloud.crashAfter({
      victim: 'caller',
      after: 'callee',
      when: command('reserve'),
      rate: 1,
      max: 1,
    });
    const afterCharge = cloud.crashAfter({
      victim: 'caller',
      after: 'callee',
      when: command('charge'),
      rate: 1,
      max: 1,
    });
    const results = [];
    for (const orderId of ['multi-a', 'multi-b', 'multi-c'])
      results.push(await cloud.invoke('caller', { orderId }));
    afterReserve.stop();
    afterCharge.stop();

    expect(results.map((r) => r.error?.errorType ?? 'ok')).toEqual([
      'Runtime.ExitError',
      'Runtime.ExitError',
      'ok',
    ]);
    expect([afterReserve.crashes, afterCharge.crashes]).toEqual([1, 1]);
    expect(await ledger('multi-a')).toEqual({ reserve: 1 });
    expect(await ledger('multi-b')).toEqual({ reserve: 1, 'reserve#replied': 1, charge: 1 });
  });

  it('an SQS-sourced invocation that is killed leaves its message in flight until the visibility timeout, then it comes back (receive count 2)', async () => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: cloud.queues.SagaQueue,
        MessageBody: JSON.stringify({ orderId: 'sqs-kill', holdMs: 10_000 }),
      }),
    );
    const first = await callerLine('started', 'sqs-kill');

    expect(cloud.kill('caller', { payloadIncludes: 'sqs-kill' })).toBe(1);
    const killedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const inflight = cloud.inspectQueue('SagaQueue')?.messages.inflight ?? [];
    const again = await callerLine('started', 'sqs-kill', 2);
    await callerLine('done', 'sqs-kill', 2);

    expect(inflight.map((i) => JSON.parse(i.message.body).orderId)).toEqual(['sqs-kill']);
    expect(inflight[0]!.visibilityDeadline).toBeGreaterThan(killedAt);
    // Back only once its visibility timeout (3 s from the first receive) ran out.
    expect(again.receivedAt).toBeGreaterThanOrEqual(inflight[0]!.visibilityDeadline);
    expect(inflight[0]!.visibilityDeadline - first.receivedAt).toBeLessThanOrEqual(VISIBILITY_MS);
    expect(await ledger('sqs-kill')).toEqual({
      reserve: 1,
      'reserve#replied': 1,
      charge: 1,
      'charge#replied': 1,
    });
  });

  it('a worker on the queue killed right after reserve committed gets the order again and finishes it', async () => {
    const rule = cloud.crashAfter({
      victim: 'caller',
      after: 'callee',
      when: (p) => (p as { command?: string }).command === 'reserve',
      rate: 1,
      max: 1,
    });
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: cloud.queues.SagaQueue,
        MessageBody: JSON.stringify({ orderId: 'sqs-saga' }),
      }),
    );
    await callerLine('done', 'sqs-saga', 2);
    rule.stop();

    expect(rule.crashes).toBe(1);
    // The participant saw reserve twice (it must be idempotent); the worker one reply of each.
    expect(await ledger('sqs-saga')).toEqual({
      reserve: 2,
      'reserve#replied': 1,
      charge: 1,
      'charge#replied': 1,
    });
    // The source deletes the message once the invocation's answer is back, just after the
    // 'done' line: waited for, but for less than a visibility timeout, so an undeleted message
    // (in flight the whole time) still fails this.
    const messages = await eventually(() => {
      const now = cloud.inspectQueue('SagaQueue')?.messages;
      return now && now.inflight.length === 0 ? now : undefined;
    }, VISIBILITY_MS / 2).catch(() => cloud.inspectQueue('SagaQueue')?.messages);
    expect(messages).toMatchObject({ ready: [], inflight: [] });
  });
});
