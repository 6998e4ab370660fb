/** Reading a command's arguments and options: each rule once, every refusal a UsageError. */
import { ORDER_LINE_LIMITS } from '../lambdas/shared/commands.js';
import type { OrderLineInput } from './api.js';
import { UsageError } from './errors.js';

const { maxItems: MAX_ITEMS, maxQty: MAX_QTY, sku: SKU } = ORDER_LINE_LIMITS;

/** A sku as the API accepts it. */
export function parseSku(value: string | undefined): string {
  if (value === undefined) throw new UsageError('a sku is required');
  if (!SKU.test(value)) {
    throw new UsageError(`sku "${value}" must be 1–64 characters of A–Z a–z 0–9 . _ -`);
  }
  return value;
}

/** A non-negative safe integer option or argument. */
export function parseCount(name: string, value: string | undefined, max?: number): number {
  if (value === undefined) throw new UsageError(`${name} is required`);
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || (max !== undefined && n > max)) {
    const range = max === undefined ? 'an integer ≥ 0' : `an integer in 0..${max}`;
    throw new UsageError(`${name} must be ${range}, got "${value}"`);
  }
  return n;
}

/** `sku=qty` arguments of `order`: 1–50 distinct skus, qty 1–1000. */
export function parseOrderLines(args: string[]): OrderLineInput[] {
  if (args.length === 0) throw new UsageError('order needs at least one sku=qty');
  if (args.length > MAX_ITEMS) throw new UsageError(`an order has at most ${MAX_ITEMS} items`);
  const seen = new Set<string>();
  return args.map((arg) => {
    const match = /^([^=]+)=(.+)$/.exec(arg);
    if (!match) throw new UsageError(`"${arg}" is not sku=qty`);
    const sku = parseSku(match[1]);
    const qty = parseCount(`qty of ${sku}`, match[2], MAX_QTY);
    if (qty < 1) throw new UsageError(`qty of ${sku} must be at least 1`);
    if (seen.has(sku))
      throw new UsageError(`sku ${sku} appears twice; give it once with the total qty`);
    seen.add(sku);
    return { sku, qty };
  });
}

/** Duration option in seconds (`30`, `2.5`). */
export function parseSeconds(name: string, value: string): number {
  const seconds = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || seconds <= 0) {
    throw new UsageError(`${name} must be a positive number of seconds, got "${value}"`);
  }
  return seconds;
}

/** Refuses arguments a command does not take. */
export function rejectExtra(extra: string[]): void {
  if (extra.length > 0)
    throw new UsageError(`unexpected argument ${extra.map((a) => `"${a}"`).join(' ')}`);
}

/** `<n>s`, `<n>m`, `<n>h` or `<n>d` in ms. */
export function parseDuration(name: string, value: string): number {
  const match = /^(\d+)(s|m|h|d)$/.exec(value);
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
  if (!match) throw new UsageError(`${name} must look like 90s, 15m, 2h or 7d, got "${value}"`);
  const ms = Number(match[1]) * unit[match[2] as keyof typeof unit];
  if (ms <= 0) throw new UsageError(`${name} must be more than 0`);
  return ms;
}
