import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalLogFiles } from '../../cli/trace/sources.js';

describe('LocalLogFiles (the local cloud log files mini-ec trace reads)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mini-ec-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const texts = async (files: LocalLogFiles) =>
    (await files.read()).lines.map((l) => `${l.source}:${l.text}`);

  it('reads every file whole, then only the complete lines appended since, and a shrunk file again', async () => {
    writeFileSync(join(dir, 'ApiFn.log'), '{"a":1}\n{"a":2}\n');
    writeFileSync(join(dir, 'WorkerFn.log'), '{"w":1}\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a log\n');
    const files = new LocalLogFiles(dir);
    expect(await texts(files)).toEqual(['ApiFn:{"a":1}', 'ApiFn:{"a":2}', 'WorkerFn:{"w":1}']);

    // A line still being written (no newline yet, a multi-byte character cut) waits.
    appendFileSync(
      join(dir, 'ApiFn.log'),
      Buffer.concat([Buffer.from('{"a":3}\n{"a":"é'), Buffer.from('✓').subarray(0, 1)]),
    );
    expect(await texts(files)).toEqual([
      'ApiFn:{"a":1}',
      'ApiFn:{"a":2}',
      'ApiFn:{"a":3}',
      'WorkerFn:{"w":1}',
    ]);
    appendFileSync(
      join(dir, 'ApiFn.log'),
      Buffer.concat([Buffer.from('✓').subarray(1), Buffer.from('"}\n')]),
    );
    expect((await texts(files)).at(3)).toBe('ApiFn:{"a":"é✓"}');

    writeFileSync(join(dir, 'ApiFn.log'), '{"b":1}\n');
    expect(await texts(files)).toEqual(['ApiFn:{"b":1}', 'WorkerFn:{"w":1}']);
  });

  it('says which folder is missing', async () => {
    await expect(new LocalLogFiles(join(dir, 'nope')).read()).rejects.toThrow(
      /no log folder .*nope/,
    );
  });
});
