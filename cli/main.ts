/**
 * `mini-ec`: the command line of the order saga. Parses the command line, resolves the
 * target lazily, runs one command and turns every failure into one line on stderr.
 */
import { parseArgs } from 'node:util';
import type { CommandContext } from './context.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { type Io, processIo } from './output.js';
import { resolveTarget, type Target } from './target.js';

export const USAGE = `mini-ec — drive the mini-ec order saga (the local cloud by default)

Usage:
  mini-ec stock set <sku> <qty> --price <n> [--no-ship]
                                              set the catalog price and the stock on hand
                                              (--no-ship: the sku cannot ship, its orders
                                              are cancelled; without it, it ships)
  mini-ec stock get <sku>                     sku, price, available, reserved, ships
  mini-ec order <sku>=<qty>… [--key K] [--correlation-id C] [--timeout S]
                                              place an order and follow it until it settles:
                                              FAILED, CANCELLED, or CONFIRMED and shipping
  mini-ec orders get <id>                     the order as the API returns it
  mini-ec payments list --order <id>          the order's payments (CHARGED or REFUNDED)
  mini-ec dlq list [--queue orders|shipping|payment|inventory|relay|all] [--max N]
                                              what waits in the DLQs (all by default): order,
                                              correlation ID, receive count, the worker's last
                                              error; the relay's stream ranges
  mini-ec dlq redrive [--queue orders|shipping|payment|inventory] [--max N]
                                              move a DLQ back to its queue (default orders)
  mini-ec dlq redrive --queue relay [--from-table]
                                              replay the stream ranges the relay could not publish
                                              (--from-table: republish every outbox event of the
                                              orders not settled, from every service's table)
  mini-ec trace <orderId|correlationId> [--follow] [--since 24h] [--timeout S] [--no-insights]
                                              the order's path: every function's lines in time
                                              order, the hops between them, its events
                                              (a stack: Logs Insights, or FilterLogEvents)
  mini-ec cost [--orders N] [--since 1h] [--prices FILE] [--region R] [--compare step-functions]
                                              what an order uses (measured) and what a million
                                              cost, by service and function; an idle month
                                              (locally it places N orders: npm start -- --meter)
  mini-ec verify [--accepted FILE] [--max-pending S]
                                              check the saga's invariants across all tables
                                              (exit 1 on any violation)
  mini-ec chaos set --service inventory|payment|shipping [--fail-rate R] [--delay-ms D] [--fail-after-commit R]
                                              inject faults while it runs (merged into what is set)
  mini-ec chaos clear [--service S]           back to the functions' base settings (no faults;
                                              every service when none is named)
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
  'no-ship': { type: 'boolean' },
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
  follow: { type: 'boolean' },
  since: { type: 'string' },
  'no-insights': { type: 'boolean' },
  orders: { type: 'string' },
  prices: { type: 'string' },
  region: { type: 'string' },
  template: { type: 'string' },
  compare: { type: 'string' },
} as const;
const GLOBAL_OPTIONS = ['json', 'help', 'stack-outputs', 'cloud'];

type Values = ReturnType<typeof parse>['values'];

/** A command: the options it takes besides the global ones, and how it runs. */
interface Command {
  readonly options: readonly (keyof typeof OPTIONS)[];
  run(ctx: CommandContext, args: string[], values: Values): Promise<number>;
}

// Each command imports its module when it runs (the AWS SDK clients they need are most of the
// start-up time): --help and a usage error load none of them.
const stock = () => import('./commands/stock.js');
const orders = () => import('./commands/orders.js');
const dlq = () => import('./commands/dlq.js');
const chaos = () => import('./chaos.js');

/** Every command, by name (one or two words); USAGE above documents each of them. */
export const COMMANDS: Record<string, Command> = {
  'stock set': {
    options: ['price', 'no-ship'],
    run: async (ctx, args, v) =>
      (await stock()).stockSet(ctx, args, { price: v.price, noShip: v['no-ship'] }),
  },
  'stock get': { options: [], run: async (ctx, args) => (await stock()).stockGet(ctx, args) },
  order: {
    options: ['key', 'correlation-id', 'timeout'],
    run: async (ctx, args, v) => {
      const [{ placeOrder }, { parseSeconds }] = await Promise.all([orders(), import('./args.js')]);
      return placeOrder(ctx, args, {
        key: v.key,
        correlationId: v['correlation-id'],
        timeoutSeconds: v.timeout === undefined ? 30 : parseSeconds('--timeout', v.timeout),
        pollIntervalMs: 250,
      });
    },
  },
  'orders get': { options: [], run: async (ctx, args) => (await orders()).ordersGet(ctx, args) },
  'payments list': {
    options: ['order'],
    run: async (ctx, args, v) => (await orders()).paymentsList(ctx, args, { order: v.order }),
  },
  'dlq list': {
    options: ['queue', 'max'],
    run: async (ctx, args, v) => (await dlq()).dlqList(ctx, args, v),
  },
  'dlq redrive': {
    options: ['queue', 'max', 'from-table'],
    run: async (ctx, args, v) => (await dlq()).dlqRedrive(ctx, args, v),
  },
  trace: {
    options: ['follow', 'since', 'timeout', 'no-insights'],
    run: async (ctx, args, v) =>
      (await import('./trace/command.js')).traceCommand(ctx, args, {
        follow: v.follow === true,
        since: v.since,
        timeout: v.timeout,
        insights: v['no-insights'] !== true,
        cloud: v.cloud,
        stackOutputs: v['stack-outputs'],
      }),
  },
  cost: {
    options: ['orders', 'since', 'prices', 'region', 'template', 'compare', 'timeout'],
    run: async (ctx, args, v) => (await import('./cost/command.js')).costCommand(ctx, args, v),
  },
  verify: {
    options: ['accepted', 'max-pending'],
    run: async (ctx, args, v) => (await import('./verify.js')).verifyCommand(ctx, args, v),
  },
  'chaos set': {
    options: ['service', 'fail-rate', 'delay-ms', 'fail-after-commit'],
    run: async (ctx, args, v) => (await chaos()).chaosSet(ctx, args, v),
  },
  'chaos clear': {
    options: ['service'],
    run: async (ctx, args, v) => (await chaos()).chaosClear(ctx, args, v),
  },
  'chaos show': {
    options: ['service'],
    run: async (ctx, args, v) => (await chaos()).chaosShow(ctx, args, v),
  },
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
  const single = Object.hasOwn(COMMANDS, first);
  const name = single ? first : `${first} ${second}`;
  const args = single ? positionals.slice(1) : rest;
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`unknown command "${positionals.slice(0, 2).join(' ')}"`);
  const allowed: readonly string[] = command.options;
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
  return command.run(ctx, args, values);
}

function parse(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
}
