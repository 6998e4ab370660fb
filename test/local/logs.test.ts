import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type LogLine, LogSink } from '../../local/logs.js';

function sink() {
  const dir = mkdtempSync(path.join(tmpdir(), 'mini-ec-logs-'));
  const out = new PassThrough();
  let shown = '';
  out.on('data', (chunk: Buffer) => {
    shown += chunk.toString();
  });
  const logs = new LogSink({ dir, out });
  const lines: LogLine[] = [];
  logs.on('line', (line) => lines.push(line));
  return { logs, lines, dir, shown: () => shown };
}

describe('the log sink', () => {
  it('hands listeners each line at once, and writes the files and the live view in order, batched', async () => {
    const { logs, lines, dir, shown } = sink();
    logs.write(
      'ApiFunction',
      'api',
      'stdout',
      '{"level":"INFO","message":"one","correlation_id":"c1"}',
    );
    logs.write('ApiFunction', 'api', 'stdout', 'plain two');
    logs.write('WorkerFunction', 'worker', 'stderr', '{"level":"ERROR","message":"three"}');

    expect(lines.map((l) => l.text)).toEqual([
      '{"level":"INFO","message":"one","correlation_id":"c1"}',
      'plain two',
      '{"level":"ERROR","message":"three"}',
    ]);
    expect(lines[0]?.json).toMatchObject({ message: 'one', correlation_id: 'c1' });
    expect(lines[1]?.json).toBeUndefined();
    expect(shown()).toBe('');

    logs.system('a message of the cloud');
    await logs.close();

    expect(readFileSync(path.join(dir, 'ApiFunction.log'), 'utf8')).toBe(
      '{"level":"INFO","message":"one","correlation_id":"c1"}\nplain two\n',
    );
    expect(readFileSync(path.join(dir, 'WorkerFunction.log'), 'utf8')).toBe(
      '{"level":"ERROR","message":"three"}\n',
    );
    const view = shown().trimEnd().split('\n');
    expect(view).toHaveLength(4);
    expect(view[0]).toMatch(/api\s+INFO\s+c1\s+one$/);
    expect(view[1]).toMatch(/api\s+plain two$/);
    expect(view[2]).toMatch(/worker\s+ERROR\s+-\s+three$/);
    expect(view[3]).toMatch(/local\s+a message of the cloud$/);
  });

  it('writes pending lines within a short while without being closed', async () => {
    const { logs, dir } = sink();
    logs.write('ApiFunction', 'api', 'stdout', 'soon');
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(readFileSync(path.join(dir, 'ApiFunction.log'), 'utf8')).toBe('soon\n');
    await logs.close();
  });
});
