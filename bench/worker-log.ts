/**
 * What the bench reads of the worker's log file as it grows: when the saga decided each order
 * (CONFIRMED or FAILED) and when the order settled (FAILED, CANCELLED, or CONFIRMED with its
 * shipment recorded), by the worker's own log lines, so the times are the system's.
 */
import * as fs from 'node:fs';

/** An order's time (epoch ms) and status at a point of its life. */
interface Mark {
  at: number;
  status: string;
}

const LINE =
  /"message":"(?:order (CONFIRMED|FAILED|CANCELLED)|(shipping\.requested\.v1) recorded")/;

/** The worker's log file, read from where the last read stopped. */
export class WorkerLog {
  /** Order id → when the saga decided it. */
  readonly decided = new Map<string, Mark>();
  /** Order id → when it settled. */
  readonly finals = new Map<string, Mark>();
  private offset = 0;

  constructor(private readonly file: string) {}

  /** Reads the whole lines written since the last read. */
  read(): void {
    if (!fs.existsSync(this.file)) return;
    const size = fs.statSync(this.file).size;
    if (size <= this.offset) return;
    const fd = fs.openSync(this.file, 'r');
    const buffer = Buffer.alloc(size - this.offset);
    fs.readSync(fd, buffer, 0, buffer.length, this.offset);
    fs.closeSync(fd);
    const text = buffer.toString('utf8');
    const end = text.lastIndexOf('\n');
    if (end < 0) return;
    this.offset += Buffer.byteLength(text.slice(0, end + 1));
    for (const line of text.slice(0, end).split('\n')) this.take(line);
  }

  private take(line: string): void {
    const m = LINE.exec(line);
    if (!m) return;
    const json = JSON.parse(line) as { order_id?: string; timestamp?: string };
    if (!json.order_id) return;
    const at = Date.parse(json.timestamp ?? '');
    const status = m[1] ?? 'CONFIRMED';
    if ((status === 'CONFIRMED' || status === 'FAILED') && !this.decided.has(json.order_id))
      this.decided.set(json.order_id, { at, status });
    const settled = m[2] !== undefined || status === 'FAILED' || status === 'CANCELLED';
    if (settled && !this.finals.has(json.order_id)) this.finals.set(json.order_id, { at, status });
  }
}
