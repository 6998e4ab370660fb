#!/usr/bin/env node
// The `mini-ec` bin: registers tsx so the TypeScript sources run as they are (no build step),
// then hands over to cli/main.ts.
import { register } from 'tsx/esm/api';

// The SDK's notice that it will drop Node 20 in 2027 would precede every error line the CLI
// prints; the CLI's contract is one line per error. (Set it yourself to 'false' to see it.)
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
