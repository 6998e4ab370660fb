import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.js';
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

  it('traces from the log files of a local cloud that has stopped, without the events', async () => {
    const stopped = mkdtempSync(join(tmpdir(), 'mini-ec-stopped-'));
    try {
      // A cloud.json whose process is gone (pid 2^22 + 1 is above Linux's pid_max default).
      writeFileSync(join(stopped, 'cloud.json'), JSON.stringify({ pid: 4_194_305, outputs: {} }));
      mkdirSync(join(stopped, 'logs'));
      const line = (message: string, ms: number) =>
        JSON.stringify({
          level: 'INFO',
          message,
          timestamp: new Date(Date.UTC(2026, 11, 4, 21, 0, 0, ms)).toISOString(),
          service: 'api',
          function_request_id: 'r1',
          correlation_id: 'cid-gone',
          order_id: '01M91CVCEAC65K03HX5KBFYYA7',
        });
      writeFileSync(join(stopped, 'logs', 'ApiFn.log'), `${line('order accepted', 5)}\n`);
      const out: string[] = [];
      const err: string[] = [];
      const code = await main(['trace', 'cid-gone', '--cloud', join(stopped, 'cloud.json')], {
        io: { out: (l) => out.push(l), err: (l) => err.push(l) },
        env: {},
      });
      expect(code).toBe(0);
      expect(err).toEqual([
        "mini-ec: the local cloud is not running: reading its log files, without the orders' events",
      ]);
      expect(out.join('\n')).toMatch(/21:00:00\.005\s+0\s+api\s+INFO\s+order accepted/);
      expect(out.join('\n')).toContain('not read: the local cloud is not running');
    } finally {
      rmSync(stopped, { recursive: true, force: true });
    }
  });

  it('says which folder is missing', async () => {
    await expect(new LocalLogFiles(join(dir, 'nope')).read()).rejects.toThrow(
      /no log folder .*nope/,
    );
  });
});
