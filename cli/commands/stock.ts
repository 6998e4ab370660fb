/** `stock set` and `stock get`: the catalog price and the stock of a sku. */
import { parseCount, parseSku, rejectExtra } from '../args.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { emit, table } from '../output.js';
import { Stores } from '../stores.js';

/** `stock set <sku> <qty> --price <n>`. */
export async function stockSet(
  ctx: CommandContext,
  args: string[],
  options: { price?: string },
): Promise<number> {
  const [skuArg, qtyArg, ...extra] = args;
  rejectExtra(extra);
  const sku = parseSku(skuArg);
  const qty = parseCount('qty', qtyArg);
  if (options.price === undefined) throw new UsageError('stock set needs --price <n>');
  const price = parseCount('--price', options.price);
  const stores = new Stores(ctx.target());
  try {
    const stock = await stores.setStock(sku, qty, price);
    emit(ctx.io, ctx.json, stock, () =>
      table([{ ...stock }], ['sku', 'price', 'available', 'reserved']),
    );
  } finally {
    stores.close();
  }
  return 0;
}

/** `stock get <sku>`. */
export async function stockGet(ctx: CommandContext, args: string[]): Promise<number> {
  const [skuArg, ...extra] = args;
  rejectExtra(extra);
  const sku = parseSku(skuArg);
  const stores = new Stores(ctx.target());
  try {
    const stock = await stores.getStock(sku);
    if (!stock)
      throw new CliError(
        `unknown sku ${sku} (set it with: mini-ec stock set ${sku} <qty> --price <n>)`,
      );
    emit(ctx.io, ctx.json, stock, () =>
      table([{ ...stock }], ['sku', 'price', 'available', 'reserved']),
    );
  } finally {
    stores.close();
  }
  return 0;
}
