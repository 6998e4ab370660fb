/**
 * The tables' items as the checks read them: an item's number (absent: 0) and an item list
 * (an order's, a reservation's, a shipment's) as lines, and as text that compares equal when
 * two lists take the same quantity of each sku.
 */

export type Item = Record<string, unknown>;
interface Line {
  sku: string;
  qty: number;
}

/** An item's number; absent: 0. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value ?? 0);
}

/** An item list as sku and quantity lines (not a list: none). */
export function linesOf(items: unknown): Line[] {
  if (!Array.isArray(items)) return [];
  return items.map((line) => ({ sku: String((line as Item).sku), qty: num((line as Item).qty) }));
}

/** Lines as comparable text: merged per sku, sorted. */
export function lineKey(lines: readonly Line[]): string {
  const merged = new Map<string, number>();
  for (const line of lines) merged.set(line.sku, (merged.get(line.sku) ?? 0) + line.qty);
  return (
    [...merged.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([sku, qty]) => `${sku}×${qty}`)
      .join(' ') || 'nothing'
  );
}
