import { EventEmitter } from 'node:events';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import * as path from 'node:path';

/** One line a function wrote, as the local cloud saw it. */
export interface LogLine {
  /** Logical id of the function (also the log file's name). */
  readonly functionId: string;
  /** Short name shown on the console (Powertools service name). */
  readonly displayName: string;
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
  /** The line parsed, when it is a JSON object. */
  readonly json?: Record<string, unknown>;
  readonly receivedAt: number;
}

/** Options of the log sink. */
export interface LogSinkOptions {
  /** Directory of `<FunctionLogicalId>.log` files; none written when undefined. */
  readonly dir?: string;
  /** Print the readable live view on the console (default true). */
  readonly console?: boolean;
  /** Where the live view goes (default process.stdout). */
  readonly out?: NodeJS.WritableStream;
}

const COLORS: Record<string, string> = {
  ERROR: '\x1b[31m',
  CRITICAL: '\x1b[31m',
  WARN: '\x1b[33m',
  INFO: '\x1b[36m',
  DEBUG: '\x1b[90m',
};

function pad2(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function clock(time: Date): string {
  return `${pad2(time.getHours())}:${pad2(time.getMinutes())}:${pad2(time.getSeconds())}.${pad2(time.getMilliseconds(), 3)}`;
}

/**
 * The readable form of a log line: `HH:MM:SS.mmm  function  LEVEL  correlation_id  message`
 * for JSON lines (Powertools or the runtime's JSON format); other lines as they are.
 */
function formatLogLine(line: LogLine, color = false): string {
  const json = line.json;
  if (!json)
    return `${clock(new Date(line.receivedAt))}  ${line.displayName.padEnd(12)}  ${line.text}`;
  const at =
    typeof json.timestamp === 'string' ? new Date(json.timestamp) : new Date(line.receivedAt);
  const level = String(json.level ?? 'INFO').toUpperCase();
  const correlation = String(json.correlation_id ?? json.correlationId ?? '-');
  const message =
    typeof json.message === 'string' ? json.message : JSON.stringify(json.message ?? '');
  const error = json.error as { message?: unknown } | undefined;
  const detail = error?.message ? ` (${String(error.message)})` : '';
  const orderId = json.order_id ? `  order=${String(json.order_id)}` : '';
  const levelText = color ? `${COLORS[level] ?? ''}${level.padEnd(5)}\x1b[0m` : level.padEnd(5);
  const time = Number.isNaN(at.getTime()) ? new Date(line.receivedAt) : at;
  return `${clock(time)}  ${line.displayName.padEnd(12)}  ${levelText}  ${correlation}  ${message}${detail}${orderId}`;
}

/** How long a line may wait before it is written to its file and the live view. */
const FLUSH_MS = 50;

/**
 * A line as received. Its JSON form is parsed once, on first read: the file and the listeners
 * get every line, but most lines are never looked into (no live view, a test that checks a few).
 */
class ReceivedLine implements LogLine {
  private parsed?: Record<string, unknown> | null;

  constructor(
    readonly functionId: string,
    readonly displayName: string,
    readonly stream: 'stdout' | 'stderr',
    readonly text: string,
    readonly receivedAt: number,
  ) {}

  get json(): Record<string, unknown> | undefined {
    if (this.parsed === undefined) this.parsed = parseObject(this.text);
    return this.parsed ?? undefined;
  }
}

/** The line as a JSON object, or null when it is not one. */
function parseObject(text: string): Record<string, unknown> | null {
  if (!text.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null; // not JSON: shown and stored as it is
  }
}

/**
 * Collects every function's output: appends it to `.local/logs/<FunctionLogicalId>.log`,
 * shows the live view, and emits each line as a `line` event (tests listen to it).
 */
export class LogSink extends EventEmitter<{ line: [LogLine] }> {
  private readonly files = new Map<string, WriteStream>();
  private readonly color: boolean;
  private readonly out: NodeJS.WritableStream;
  /** Text not yet written, per log file and for the live view; written every FLUSH_MS. */
  private readonly pending = new Map<string, string>();
  private pendingView = '';
  private flushTimer?: NodeJS.Timeout;

  constructor(private readonly options: LogSinkOptions = {}) {
    super();
    this.setMaxListeners(100);
    this.out = options.out ?? process.stdout;
    this.color = (this.out as { isTTY?: boolean }).isTTY === true && !process.env.NO_COLOR;
    if (options.dir) mkdirSync(options.dir, { recursive: true });
  }

  /** Records one line a function wrote. */
  write(functionId: string, displayName: string, stream: 'stdout' | 'stderr', text: string): void {
    const line = new ReceivedLine(functionId, displayName, stream, text, Date.now());
    if (this.options.dir)
      this.pending.set(functionId, `${this.pending.get(functionId) ?? ''}${text}\n`);
    if (this.options.console !== false) this.pendingView += `${formatLogLine(line, this.color)}\n`;
    this.scheduleFlush();
    this.emit('line', line);
  }

  /** A message of the local cloud itself, in the same live view. */
  system(message: string): void {
    if (this.options.console === false) return;
    // Written at once (after what is pending, to keep the order): these are few, and the
    // start's own lines come right after them.
    this.flush();
    this.out.write(`${clock(new Date())}  ${'local'.padEnd(12)}  ${message}\n`);
  }

  /**
   * Lines reach the files and the live view in one write per file every FLUSH_MS instead of one
   * write per line: under load the functions write hundreds of lines a second, and each write
   * is a system call on the host's event loop, beside the gateway and the Lambda API.
   */
  private scheduleFlush(): void {
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  /** Writes what is pending now. */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const [functionId, text] of this.pending) this.fileOf(functionId)?.write(text);
    this.pending.clear();
    if (this.pendingView) this.out.write(this.pendingView);
    this.pendingView = '';
  }

  private fileOf(functionId: string): WriteStream | undefined {
    if (!this.options.dir) return undefined;
    let file = this.files.get(functionId);
    if (!file) {
      file = createWriteStream(path.join(this.options.dir, `${functionId}.log`), { flags: 'a' });
      this.files.set(functionId, file);
    }
    return file;
  }

  /** Flushes and closes the log files. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all(
      [...this.files.values()].map((f) => new Promise<void>((resolve) => f.end(() => resolve()))),
    );
    this.files.clear();
  }
}
