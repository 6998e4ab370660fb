import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsmChaosSettings } from '../../lambdas/shared/chaos-settings.js';
import { SsmService } from '../../local/emulators/ssm.js';

const NAME = '/MiniEc/chaos/payment';
const BASE = { failRate: 0.1, delayMs: 0, failAfterCommit: 0 };
let ssm: SsmService;
let client: SSMClient;
const warnings: unknown[] = [];
const log = {
  debug: () => undefined,
  info: () => undefined,
  warn: (...args: unknown[]) => warnings.push(args),
  error: () => undefined,
};

beforeAll(async () => {
  ssm = new SsmService({
    parameters: [{ logicalId: 'PaymentChaos', name: NAME, type: 'String', value: '{}' }],
  });
  await ssm.start();
  process.env.AWS_ENDPOINT_URL_SSM = ssm.endpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  client = new SSMClient({ endpoint: ssm.endpoint });
});
afterAll(async () => {
  client?.destroy();
  await ssm?.stop();
});

const put = (value: string) =>
  client.send(
    new PutParameterCommand({ Name: NAME, Value: value, Type: 'String', Overwrite: true }),
  );

describe('SsmChaosSettings (Powertools Parameters over the SSM API)', () => {
  it('gives the base settings while the parameter is {}', async () => {
    await put('{}');
    expect(await new SsmChaosSettings(NAME, BASE, log).current()).toEqual(BASE);
  });

  it('overrides the base with what the parameter sets', async () => {
    await put('{"failAfterCommit":0.5,"delayMs":200}');
    expect(await new SsmChaosSettings(NAME, BASE, log).current()).toEqual({
      failRate: 0.1,
      delayMs: 200,
      failAfterCommit: 0.5,
    });
  });

  it('keeps a read value for its cache time, so a change applies within seconds, not per command', async () => {
    await put('{"failRate":0.2}');
    const settings = new SsmChaosSettings(NAME, BASE, log);
    const first = await settings.current();
    await put('{"failRate":0.9}');
    const cached = await settings.current();

    expect(first.failRate).toBe(0.2);
    expect(cached.failRate).toBe(0.2);
    expect(await new SsmChaosSettings(NAME, BASE, log).current()).toMatchObject({ failRate: 0.9 });
  });

  it('keeps the last good settings, and warns once, when the parameter holds nonsense', async () => {
    warnings.length = 0;
    await put('{"failRate":7}');
    const settings = new SsmChaosSettings(NAME, BASE, log);

    expect(await settings.current()).toEqual(BASE);
    expect(await settings.current()).toEqual(BASE);
    expect(warnings).toHaveLength(1);
  });

  it('falls back to the base when the parameter does not exist', async () => {
    const settings = new SsmChaosSettings('/MiniEc/chaos/nothing', BASE, log);
    expect(await settings.current()).toEqual(BASE);
  });
});

describe('the SSM emulator', () => {
  it('answers 413 to a request body over 256 KiB, and stays up', async () => {
    const big = await fetch(ssm.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.PutParameter' },
      body: 'x'.repeat(256 * 1024 + 1),
    });
    const next = await fetch(ssm.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'AmazonSSM.GetParameter' },
      body: JSON.stringify({ Name: NAME }),
    });

    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ __type: 'ValidationException' });
    expect(next.status).toBe(200);
  });
});
