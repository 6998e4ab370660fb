/** `stock set` and `stock get`: the catalog price, the stock and the shippability of a sku. */
import { parseCount, parseSku, rejectExtra } from '../args.js';
import type { CommandContext } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { emit, table } from '../output.js';
import { type StockView, Stores } from '../stores.js';

/** `stock set <sku> <qty> --price <n> [--no-ship]`. */
export async function stockSet(
  ctx: CommandContext,
  args: string[],
  options: { price?: string; noShip?: boolean },
): Promise<number> {
  const [skuArg, qtyArg, ...extra] = args;
  rejectExtra(extra);
  const sku = parseSku(skuArg);
  const qty = parseCount('qty', qtyArg);
  if (options.price === undefined) throw new UsageError('stock set needs --price <n>');
  const price = parseCount('--price', options.price);
  const stores = new Stores(ctx.target());
  try {
    const stock = await stores.setStock(sku, qty, price, { noShip: options.noShip === true });
    emitStock(ctx, stock);
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
    emitStock(ctx, stock);
  } finally {
    stores.close();
  }
  return 0;
}

/** The sku as a one-row table (`ships` yes or no), or as JSON. */
function emitStock(ctx: CommandContext, stock: StockView): void {
  emit(ctx.io, ctx.json, stock, () =>
    table(
      [{ ...stock, ships: stock.ships ? 'yes' : 'no' }],
      ['sku', 'price', 'available', 'reserved', 'ships'],
    ),
  );
}
