/**
 * `mini-ec verify`: the saga's invariants, checked across the orders, inventory, payments and
 * shipments tables (full scans with consistent reads). Every violation names its invariant,
 * its subject and what was found; the counts say what was looked at, and the report says what
 * it could not check.
 */

import { readFileSync } from 'node:fs';
import { type DynamoDBDocumentClient, paginateScan } from '@aws-sdk/lib-dynamodb';
import { parseCount } from './args.js';
import { documentClient } from './clients.js';
import type { CommandContext } from './context.js';
import { CliError, EXIT, UsageError } from './errors.js';
import { check, type Item, type VerifyOptions, type VerifyReport } from './invariants.js';
import { emit, table } from './output.js';
import type { Target } from './target.js';

/** Why the shipment invariants are not checked on a target without the shipments table. */
const NO_SHIPMENTS_TABLE =
  'shipments: the target has no output ShipmentsTableName (a stack deployed before the shipping service? redeploy it)';

/**
 * Checks every invariant over the target's tables; on a target without a shipments table,
 * all but the shipment invariants, and the report says so.
 */
export async function verifyInvariants(
  target: Target,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const db = documentClient(target, 5);
  const { OrdersTableName, InventoryTableName, PaymentsTableName, ShipmentsTableName } =
    target.outputs;
  try {
    const [orderItems, inventoryItems, paymentItems, shipmentItems] = await Promise.all([
      scanAll(db, OrdersTableName),
      scanAll(db, InventoryTableName),
      scanAll(db, PaymentsTableName),
      ShipmentsTableName ? scanAll(db, ShipmentsTableName) : undefined,
    ]);
    const report = check(orderItems, inventoryItems, paymentItems, options, shipmentItems);
    return shipmentItems ? report : { ...report, notChecked: [NO_SHIPMENTS_TABLE] };
  } finally {
    db.destroy();
  }
}

async function scanAll(db: DynamoDBDocumentClient, table: string): Promise<Item[]> {
  const items: Item[] = [];
  try {
    for await (const page of paginateScan(
      { client: db },
      { TableName: table, ConsistentRead: true },
    ))
      items.push(...((page.Items ?? []) as Item[]));
  } catch (error) {
    const e = error as { name?: string; message?: string };
    throw new CliError(
      `verify: scanning ${table} failed: ${e.name ?? 'Error'}: ${e.message ?? ''}`,
      1,
      {
        cause: error,
      },
    );
  }
  return items;
}

/** Order ids of an `--accepted` file: a JSON array, or one id per line. */
export function parseAcceptedFile(text: string): string[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    const parsed: unknown = JSON.parse(trimmed);
    if (!Array.isArray(parsed) || parsed.some((id) => typeof id !== 'string')) {
      throw new UsageError('--accepted: a JSON file must be an array of order ids');
    }
    return parsed as string[];
  }
  return trimmed
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

/** `verify [--accepted FILE] [--max-pending S]`: exit 0 when every invariant holds, 1 otherwise. */
export async function verifyCommand(
  ctx: CommandContext,
  args: string[],
  options: { accepted?: string; 'max-pending'?: string },
): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument "${args[0]}"`);
  let acceptedOrderIds: string[] | undefined;
  if (options.accepted !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.accepted, 'utf8');
    } catch {
      throw new UsageError(`--accepted: cannot read ${options.accepted}`);
    }
    acceptedOrderIds = parseAcceptedFile(text);
  }
  const maxPendingSeconds =
    options['max-pending'] === undefined
      ? undefined
      : parseCount('--max-pending', options['max-pending']);
  const report = await verifyInvariants(ctx.target(), {
    ...(acceptedOrderIds ? { acceptedOrderIds } : {}),
    ...(maxPendingSeconds === undefined ? {} : { maxPendingSeconds }),
  });
  emit(ctx.io, ctx.json, report, () => reportLines(report));
  return report.violations.length === 0 ? EXIT.ok : EXIT.failed;
}

/** The counts, what was not checked, one line per violation, the verdict. */
function reportLines(report: VerifyReport): string[] {
  const notChecked = report.notChecked ?? [];
  const verdict =
    report.violations.length > 0
      ? `verify: ${report.violations.length} violation(s)`
      : notChecked.length > 0
        ? 'verify: every invariant checked holds'
        : 'verify: every invariant holds';
  return [
    ...table(
      Object.entries(report.counts)
        .filter(([key]) => key !== 'violations')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([what, n]) => ({ what, n })),
      ['what', 'n'],
    ),
    '',
    ...notChecked.map((why) => `NOT CHECKED  ${why}`),
    ...report.violations.map((v) => `VIOLATION  ${v.invariant}  ${v.subject}: ${v.detail}`),
    verdict,
  ];
}
