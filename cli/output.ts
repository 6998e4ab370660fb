/** How results reach the user: neat lines and tables, or JSON with the same field names. */

/** Where a command writes. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The process's own stdout and stderr. */
export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

type Cell = string | number | boolean | null | undefined;

/** A left-aligned table with a header row (numbers right-aligned). */
export function table(rows: Record<string, Cell>[], columns: string[]): string[] {
  const text = (value: Cell) => (value === null || value === undefined ? '-' : String(value));
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => text(row[column]).length)),
  );
  const line = (cells: Cell[], isHeader: boolean) =>
    cells
      .map((cell, i) => {
        const width = widths[i] ?? 0;
        return !isHeader && typeof cell === 'number'
          ? text(cell).padStart(width)
          : text(cell).padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [
    line(columns, true),
    ...rows.map((row) =>
      line(
        columns.map((c) => row[c]),
        false,
      ),
    ),
  ];
}

/** `key  value` lines, keys aligned. */
export function fields(record: Record<string, Cell>): string[] {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  return Object.entries(record).map(
    ([key, value]) =>
      `${key.padEnd(width)}  ${value === null || value === undefined ? '-' : value}`,
  );
}

/** Writes `value` as one JSON document, or its human lines. */
export function emit(io: Io, json: boolean, value: unknown, human: () => string[]): void {
  if (json) io.out(JSON.stringify(value, null, 2));
  else for (const line of human()) io.out(line);
}
