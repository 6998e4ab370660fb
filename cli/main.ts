/**
 * `mini-ec`: the command line of the order saga. Parses the command line, resolves the
 * target lazily, runs one command and turns every failure into one line on stderr.
 */
import { parseArgs } from 'node:util';
// The commands are imported when one runs (the AWS SDK clients they need are most of the
// start-up time): --help and a usage error load none of them.
import type { CommandContext } from './commands.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { type Io, processIo } from './output.js';
import { resolveTarget, type Target } from './target.js';

export const USAGE = `mini-ec — drive the mini-ec order saga (the local cloud by default)

Usage:
  mini-ec stock set <sku> <qty> --price <n>   set the catalog price and the stock on hand
  mini-ec stock get <sku>                     sku, price, available, reserved
  mini-ec order <sku>=<qty>… [--key K] [--correlation-id C] [--timeout S]
                                              place an order and follow it until it converges
  mini-ec orders get <id>                     the order as the API returns it
  mini-ec payments list --order <id>          the order's payments (CHARGED or REFUNDED)
  mini-ec dlq list [--queue orders|relay|all] [--max N]
                                              what waits in the DLQs: order, correlation ID,
                                              last error, receive count; stream ranges
  mini-ec dlq redrive [--queue orders] [--max N]
                                              move the orders DLQ back to the orders queue
  mini-ec dlq redrive --queue relay [--from-table]
                                              replay the stream ranges the relay could not send
                                              (--from-table: republish the PENDING orders' events)
  mini-ec verify [--accepted FILE] [--max-pending S]
                                              check the saga's invariants across all tables
                                              (exit 1 on any violation)
  mini-ec chaos set --service inventory|payment [--fail-rate R] [--delay-ms D] [--fail-after-commit R]
                                              inject faults while it runs (merged into what is set)
  mini-ec chaos clear [--service S]           back to the functions' base settings (no faults)
  mini-ec chaos show [--service S]            what is set

Options:
  --json                   machine-readable output (the same field names)
  --stack-outputs FILE     target a deployed stack (the file of cdk deploy --outputs-file)
  --cloud FILE             the local cloud's file (default .local/cloud.json; env MINI_EC_CLOUD_FILE)
  -h, --help               this help

Amounts are integers in the currency's minor unit. Exit codes: 0 done, 1 failed, 2 usage
or no target.`;

const OPTIONS = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  'stack-outputs': { type: 'string' },
  cloud: { type: 'string' },
  price: { type: 'string' },
  key: { type: 'string' },
  'correlation-id': { type: 'string' },
  timeout: { type: 'string' },
  order: { type: 'string' },
  max: { type: 'string' },
  service: { type: 'string' },
  accepted: { type: 'string' },
  'max-pending': { type: 'string' },
  'fail-rate': { type: 'string' },
  'delay-ms': { type: 'string' },
  'fail-after-commit': { type: 'string' },
  queue: { type: 'string' },
  'from-table': { type: 'boolean' },
} as const;
const GLOBAL_OPTIONS = ['json', 'help', 'stack-outputs', 'cloud'];

/** Which options each command takes besides the global ones. */
const COMMAND_OPTIONS: Record<string, string[]> = {
  'stock set': ['price'],
  'stock get': [],
  order: ['key', 'correlation-id', 'timeout'],
  'orders get': [],
  'payments list': ['order'],
  'dlq list': ['queue', 'max'],
  'dlq redrive': ['queue', 'max', 'from-table'],
  verify: ['accepted', 'max-pending'],
  'chaos set': ['service', 'fail-rate', 'delay-ms', 'fail-after-commit'],
  'chaos clear': ['service'],
  'chaos show': ['service'],
};

export interface MainOptions {
  io?: Io;
  env?: NodeJS.ProcessEnv;
}

/** Runs the CLI with `argv` (without node and script) and returns the exit code. */
export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  try {
    return await run(argv, io, env);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`mini-ec: ${error.message}`);
      return error.exitCode;
    }
    io.err(`mini-ec: unexpected error: ${(error as Error).message ?? String(error)}`);
    return EXIT.failed;
  }
}

async function run(argv: string[], io: Io, env: NodeJS.ProcessEnv): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? 'bad arguments');
  }
  const { values, positionals } = parsed;
  if (values.help || positionals.length === 0) {
    io.out(USAGE);
    return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
  }

  const [first = '', second = '', ...rest] = positionals;
  const single = first === 'order' || first === 'verify';
  const name = single ? first : `${first} ${second}`;
  const args = single ? positionals.slice(1) : rest;
  const allowed = COMMAND_OPTIONS[name];
  if (!allowed) throw new UsageError(`unknown command "${positionals.slice(0, 2).join(' ')}"`);
  const misplaced = Object.keys(values).filter(
    (option) => !GLOBAL_OPTIONS.includes(option) && !allowed.includes(option),
  );
  if (misplaced.length > 0) {
    throw new UsageError(`${name} takes no --${misplaced.join(', --')}`);
  }

  let target: Target | undefined;
  const ctx: CommandContext = {
    io,
    json: values.json === true,
    target: () => {
      target ??= resolveTarget({
        stackOutputs: values['stack-outputs'],
        cloudFile: values.cloud,
        env,
      });
      return target;
    },
  };

  if (first === 'chaos') {
    const { chaosClear, chaosSet, chaosShow } = await import('./chaos.js');
    if (name === 'chaos set') return chaosSet(ctx, args, values);
    if (name === 'chaos clear') return chaosClear(ctx, args, values);
    return chaosShow(ctx, args, values);
  }
  if (name === 'verify') {
    const { verifyCommand } = await import('./verify.js');
    return verifyCommand(ctx, args, values);
  }
  const {
    dlqList,
    dlqRedrive,
    ordersGet,
    parseSeconds,
    paymentsList,
    placeOrder,
    stockGet,
    stockSet,
  } = await import('./commands.js');
  switch (name) {
    case 'stock set':
      return stockSet(ctx, args, { price: values.price });
    case 'stock get':
      return stockGet(ctx, args);
    case 'orders get':
      return ordersGet(ctx, args);
    case 'payments list':
      return paymentsList(ctx, args, { order: values.order });
    case 'dlq list':
      return dlqList(ctx, args, values);
    case 'dlq redrive':
      return dlqRedrive(ctx, args, values);
    default:
      return placeOrder(ctx, args, {
        key: values.key,
        correlationId: values['correlation-id'],
        timeoutSeconds:
          values.timeout === undefined ? 30 : parseSeconds('--timeout', values.timeout),
        pollIntervalMs: 250,
      });
  }
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}
