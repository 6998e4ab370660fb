/**
 * The embedded local cloud (`npm start` runs it through ./launch.ts) on http://localhost:3000 (or PORT / --port).
 *   npm start [-- --persist] [-- --port 3001] [-- --state-dir DIR] [-- --quiet] [-- --meter]
 *             [-- --profile DIR] [-- --instances N]
 * --instances N: at most N processes per function (default one per core, 2 to 4).
 * --meter counts DynamoDB requests too (GET <endpoints.meter>/usage, see cloud.json).
 * --profile DIR writes a V8 CPU profile of each function process to DIR/<function>/ when the
 * cloud stops (profile the host itself with node --cpu-prof).
 * Fault injection: FAULT_FAIL_RATE, FAULT_DELAY_MS, INVENTORY_FAULT_FAIL_RATE,
 * INVENTORY_FAULT_DELAY_MS, PAYMENT_FAULT_FAIL_RATE, PAYMENT_FAULT_DELAY_MS.
 */
import { parseArgs } from 'node:util';
import { type LocalCloud, StartupError, startLocalCloud } from './cloud.js';
import { faultsFromEnv } from './template/synth.js';

const started = performance.now();
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const { values } = parseArgs({
  options: {
    persist: { type: 'boolean', default: false },
    port: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    meter: { type: 'boolean', default: false },
    profile: { type: 'string' },
    'state-dir': { type: 'string' },
    instances: { type: 'string' },
  },
});
const port = Number(values.port ?? process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`invalid port ${values.port ?? process.env.PORT}`);
  process.exit(1);
}

const instances = values.instances === undefined ? undefined : Number(values.instances);
if (
  instances !== undefined &&
  !(Number.isInteger(instances) && instances >= 1 && instances <= 64)
) {
  console.error(`invalid --instances ${values.instances}: an integer from 1 to 64`);
  process.exit(1);
}

let cloud: LocalCloud | undefined;
let stopping = false;

async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping the local cloud…`);
  const force = setTimeout(() => process.exit(1), 10_000);
  try {
    await cloud?.stop();
  } finally {
    clearTimeout(force);
    process.exit(0);
  }
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

try {
  const faults = faultsFromEnv(process.env);
  const active = Object.entries(faults).map(([k, v]) => `${k}=${v}`);
  console.log(
    `mini-ec local cloud${values.persist ? ' (persistent: .local/)' : ' (in memory)'} on Node ${process.version}`,
  );
  if (active.length > 0) console.log(`  fault injection: ${active.join(', ')}`);
  cloud = await startLocalCloud({
    port,
    persist: values.persist,
    ...(values['state-dir'] ? { stateDir: values['state-dir'] } : {}),
    faults,
    console: !values.quiet,
    meter: values.meter,
    ...(values.profile ? { profileDir: values.profile } : {}),
    ...(instances !== undefined ? { maxInstancesPerFunction: instances } : {}),
    onStep: (message) => console.log(`  ✓ ${message}`),
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const url = `http://localhost:${new URL(cloud.apiUrl).port}`;
  console.log(`\nmini-ec local cloud ready in ${seconds}s → ${url}\n`);
  console.log('  try:');
  console.log('    npx mini-ec stock set coffee 1 --price 500');
  console.log(
    `    curl -s -X POST ${url.replace('http://', '')}/orders -H 'content-type: application/json' -H 'Idempotency-Key: demo-001' -H 'X-Correlation-Id: cid-demo-001' -d '{"items":[{"sku":"coffee","qty":1}]}'`,
  );
  console.log(`    curl -s ${url.replace('http://', '')}/orders/<orderId>`);
  console.log('    npx mini-ec order coffee=1');
  console.log('    npx mini-ec chaos set --service payment --fail-rate 0.3   # faults, live');
  console.log('    npx mini-ec verify                                        # invariants');
  console.log(`\n  functions: ${cloud.functions.map((f) => f.displayName).join(', ')}`);
  console.log('  logs: .local/logs/<Function>.log  ·  Ctrl-C stops everything\n');
} catch (error) {
  if (error instanceof StartupError) console.error(`\n✗ ${error.message}`);
  else console.error('\n✗ the local cloud did not start:', error);
  await cloud?.stop().catch(() => undefined);
  process.exit(1);
}
