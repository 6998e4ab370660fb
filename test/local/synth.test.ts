import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesize } from '../../local/template/synth.js';

/** A project with a one-queue CDK app in lib/app.ts, using this repository's node_modules. */
function tinyProject(): { root: string; appModule: string; outdir: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'mini-ec-synth-'));
  symlinkSync(path.resolve('node_modules'), path.join(root, 'node_modules'), 'dir');
  mkdirSync(path.join(root, 'lib'));
  const appModule = path.join(root, 'lib', 'app.ts');
  writeFileSync(
    appModule,
    [
      "import { App, Stack } from 'aws-cdk-lib';",
      "import { Queue } from 'aws-cdk-lib/aws-sqs';",
      'export function buildApp(options: { outdir?: string; context?: Record<string, unknown> }) {',
      '  const app = new App({ outdir: options.outdir, context: options.context });',
      "  new Queue(new Stack(app, 'Tiny'), 'Queue');",
      '  return app;',
      '}',
      '',
    ].join('\n'),
  );
  return { root, appModule, outdir: path.join(root, 'cdk.out') };
}

describe('synthesize', () => {
  it('reuses the cloud assembly while sources and context are unchanged, and synthesizes again when either changes', async () => {
    const { appModule, outdir } = tinyProject();
    const first = await synthesize({ outdir, appModule, context: { faultFailRate: 0 } });
    const again = await synthesize({ outdir, appModule, context: { faultFailRate: 0 } });
    const otherContext = await synthesize({ outdir, appModule, context: { faultFailRate: 0.5 } });
    const sameAsBefore = await synthesize({ outdir, appModule, context: { faultFailRate: 0.5 } });
    const later = new Date(Date.now() + 5_000);
    utimesSync(appModule, later, later);
    const sourceTouched = await synthesize({ outdir, appModule, context: { faultFailRate: 0.5 } });
    writeFileSync(path.join(path.dirname(appModule), 'added.ts'), 'export {};\n');
    const sourceAdded = await synthesize({ outdir, appModule, context: { faultFailRate: 0.5 } });

    expect(first.reused).toBe(false);
    expect(again).toEqual({ directory: first.directory, reused: true });
    expect(otherContext.reused).toBe(false);
    expect(sameAsBefore.reused).toBe(true);
    expect(sourceTouched.reused).toBe(false);
    expect(sourceAdded.reused).toBe(false);
  });

  it('synthesizes again when something else rewrote the assembly (a cdk synth in between)', async () => {
    const { appModule, outdir } = tinyProject();
    const first = await synthesize({ outdir, appModule });
    writeFileSync(path.join(first.directory, 'Tiny.template.json'), '{"Resources":{}}\n');

    const next = await synthesize({ outdir, appModule });

    expect(next.reused).toBe(false);
  });

  it('lets two synths of one folder go one after the other, the second reusing the first', async () => {
    const { appModule, outdir } = tinyProject();

    const both = await Promise.all([
      synthesize({ outdir, appModule }),
      synthesize({ outdir, appModule }),
    ]);

    expect(both.map((s) => s.reused).sort()).toEqual([false, true]);
    expect(existsSync(`${outdir}.lock`)).toBe(false);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const { appModule, outdir } = tinyProject();
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    const lockDir = `${outdir}.lock`;
    mkdirSync(lockDir);
    writeFileSync(path.join(lockDir, 'pid'), gone.stdout.toString());
    const earlier = new Date(Date.now() - 60_000);
    utimesSync(lockDir, earlier, earlier);

    const result = await synthesize({ outdir, appModule });

    expect(result.reused).toBe(false);
    expect(existsSync(lockDir)).toBe(false);
  });
});
