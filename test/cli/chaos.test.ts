import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChaosOptions, parseServices } from '../../cli/chaos.js';
import { SsmService } from '../../local/emulators/ssm.js';
import { runCli } from '../support/cli.js';

const INVENTORY = '/MiniEc/chaos/inventory';
const PAYMENT = '/MiniEc/chaos/payment';
const SHIPPING = '/MiniEc/chaos/shipping';

describe('mini-ec chaos, on the local SSM parameter store', () => {
  let ssm: SsmService;
  let dir: string;
  let cloudFile: string;

  beforeAll(async () => {
    ssm = new SsmService({
      parameters: [
        { logicalId: 'InventoryChaos', name: INVENTORY, type: 'String', value: '{}' },
        { logicalId: 'PaymentChaos', name: PAYMENT, type: 'String', value: '{}' },
        { logicalId: 'ShippingChaos', name: SHIPPING, type: 'String', value: '{}' },
      ],
    });
    await ssm.start();
    dir = mkdtempSync(join(tmpdir(), 'mini-ec-chaos-'));
    cloudFile = join(dir, 'cloud.json');
    writeFileSync(
      cloudFile,
      JSON.stringify({
        apiUrl: 'http://127.0.0.1:9',
        region: 'us-east-1',
        endpoints: { ssm: ssm.endpoint },
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        outputs: {
          ApiUrl: 'http://127.0.0.1:9',
          OrdersTableName: 'o',
          InventoryTableName: 'i',
          PaymentsTableName: 'p',
          InventoryChaosParameterName: INVENTORY,
          PaymentChaosParameterName: PAYMENT,
          ShippingChaosParameterName: SHIPPING,
        },
      }),
    );
  });

  afterAll(async () => {
    await ssm?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sets a service’s faults, merging with what is set, and shows them', async () => {
    const first = await runCli(['chaos', 'set', '--service', 'payment', '--fail-rate', '0.3'], {
      cloudFile,
    });
    const second = await runCli(
      ['chaos', 'set', '--service', 'payment', '--fail-after-commit', '0.5', '--delay-ms', '100'],
      { cloudFile },
    );
    const shown = await runCli(['chaos', 'show', '--json'], { cloudFile });

    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(JSON.parse(ssm.value(PAYMENT) ?? '')).toEqual({
      failRate: 0.3,
      failAfterCommit: 0.5,
      delayMs: 100,
    });
    expect(ssm.value(INVENTORY)).toBe('{}');
    expect(shown.json()).toEqual([
      { service: 'inventory', overrides: {} },
      { service: 'payment', overrides: { failRate: 0.3, failAfterCommit: 0.5, delayMs: 100 } },
      { service: 'shipping', overrides: {} },
    ]);
    expect(second.stdout).toMatch(/payment\s+0\.3\s+100\s+0\.5/);
  });

  it('clears every service back to {}', async () => {
    await runCli(['chaos', 'set', '--service', 'inventory', '--delay-ms', '5000'], { cloudFile });
    await runCli(['chaos', 'set', '--service', 'shipping', '--fail-rate', '0.5'], { cloudFile });

    const cleared = await runCli(['chaos', 'clear'], { cloudFile });

    expect(cleared.code).toBe(0);
    expect(ssm.value(INVENTORY)).toBe('{}');
    expect(ssm.value(PAYMENT)).toBe('{}');
    expect(ssm.value(SHIPPING)).toBe('{}');
  });

  it('sets, shows and clears the shipping service’s faults alone', async () => {
    const set = await runCli(['chaos', 'set', '--service', 'shipping', '--delay-ms', '200'], {
      cloudFile,
    });
    const shown = await runCli(['chaos', 'show', '--service', 'shipping', '--json'], {
      cloudFile,
    });
    const before = ssm.value(SHIPPING);
    const cleared = await runCli(['chaos', 'clear', '--service', 'shipping'], { cloudFile });

    expect([set.code, shown.code, cleared.code]).toEqual([0, 0, 0]);
    expect(set.stdout).toMatch(/shipping\s+-\s+200\s+-/);
    expect(shown.json()).toEqual([{ service: 'shipping', overrides: { delayMs: 200 } }]);
    expect(JSON.parse(before ?? '')).toEqual({ delayMs: 200 });
    expect(ssm.value(SHIPPING)).toBe('{}');
    expect(ssm.value(INVENTORY)).toBe('{}');
  });

  it('says which output a target without the shipping chaos parameter lacks', async () => {
    const old = join(dir, 'old-cloud.json');
    const cloud = JSON.parse(readFileSync(cloudFile, 'utf8'));
    delete cloud.outputs.ShippingChaosParameterName;
    writeFileSync(old, JSON.stringify(cloud));

    const run = await runCli(['chaos', 'show', '--service', 'shipping'], { cloudFile: old });

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the target has no output ShippingChaosParameterName/);
  });

  it('refuses a bad service or value with a usage error, and writes nothing', async () => {
    const badService = await runCli(['chaos', 'set', '--service', 'api', '--fail-rate', '0.1'], {
      cloudFile,
    });
    const badRate = await runCli(['chaos', 'set', '--service', 'payment', '--fail-rate', '1.5'], {
      cloudFile,
    });
    const nothing = await runCli(['chaos', 'set', '--service', 'payment'], { cloudFile });

    expect([badService.code, badRate.code, nothing.code]).toEqual([2, 2, 2]);
    expect(badService.stderr).toMatch(
      /--service must be inventory, payment or shipping, got "api"/,
    );
    expect(badRate.stderr).toMatch(/--fail-rate must be a number in \[0, 1\]/);
    expect(nothing.stderr).toMatch(/at least one of/);
    expect(ssm.value(PAYMENT)).toBe('{}');
  });
});

describe('chaos option parsing', () => {
  it('reads every option within the functions’ own bounds', () => {
    expect(
      parseChaosOptions({ 'fail-rate': '0', 'delay-ms': '60000', 'fail-after-commit': '1' }),
    ).toEqual({ failRate: 0, delayMs: 60_000, failAfterCommit: 1 });
    expect(() => parseChaosOptions({ 'delay-ms': '60001' })).toThrow(/--delay-ms/);
    expect(() => parseChaosOptions({ 'fail-rate': '' })).toThrow(/--fail-rate/);
    expect(parseServices(undefined, false)).toEqual(['inventory', 'payment', 'shipping']);
    expect(parseServices('shipping', true)).toEqual(['shipping']);
    expect(() => parseServices(undefined, true)).toThrow(/--service is required/);
  });
});
