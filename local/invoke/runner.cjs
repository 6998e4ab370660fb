'use strict';
// The Lambda runtime of the local cloud: one function, in this process, one invocation at a
// time. Plain CommonJS on purpose, so it runs on bare Node with no loader. The parent sends
// {type:'invoke'} messages over IPC and gets back {type:'result'} with a JSON payload or an
// error {errorType, errorMessage, trace}, as the Node.js runtime reports them.
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { format } = require('node:util');

const env = process.env;
const [handlerModule, handlerExport] = [env.LOCAL_HANDLER_MODULE, env.LOCAL_HANDLER_EXPORT];
delete env.LOCAL_HANDLER_MODULE;
delete env.LOCAL_HANDLER_EXPORT;
let currentRequestId;
let handler;
/** How long the import of the handler module took, until the first invocation reports it. */
let pendingInitDurationMs;

function toLambdaError(error, fallbackType) {
  if (error instanceof Error) {
    return {
      errorType:
        error.name && error.name !== 'Error' ? error.name : error.constructor?.name || fallbackType,
      errorMessage: error.message,
      trace: String(error.stack || '').split('\n'),
    };
  }
  return {
    errorType: typeof error === 'string' ? 'string' : fallbackType,
    errorMessage: String(error),
    trace: [],
  };
}

// With LoggingConfig LogFormat JSON, the runtime writes console output as JSON lines.
if (env.AWS_LAMBDA_LOG_FORMAT === 'JSON') {
  const levels = {
    log: 'INFO',
    info: 'INFO',
    warn: 'WARN',
    error: 'ERROR',
    debug: 'DEBUG',
    trace: 'TRACE',
  };
  for (const [method, level] of Object.entries(levels)) {
    const stream = level === 'ERROR' || level === 'WARN' ? process.stderr : process.stdout;
    console[method] = (...args) => {
      const line = {
        timestamp: new Date().toISOString(),
        level,
        requestId: currentRequestId,
        message: format(...args),
      };
      stream.write(`${JSON.stringify(line)}\n`);
    };
  }
}

// In Lambda the task root has no package.json: a .js handler is CommonJS. Assets under
// cdk.out sit below this project's package.json ("type": "module"), so compile them as
// CommonJS explicitly instead of letting Node pick the format from that file.
function loadCommonJs(file) {
  const Module = require('node:module');
  const module = new Module(file, null);
  module.filename = file;
  module.paths = Module._nodeModulePaths(path.dirname(file));
  module._compile(fs.readFileSync(file, 'utf8'), file);
  module.loaded = true;
  require.cache[file] = module;
  return module.exports;
}

async function load() {
  const base = path.resolve(env.LAMBDA_TASK_ROOT, handlerModule);
  const file = ['.js', '.cjs', '.mjs'].map((ext) => base + ext).find((f) => fs.existsSync(f));
  if (!file) {
    const error = new Error(`Cannot find module '${handlerModule}'`);
    error.name = 'Runtime.ImportModuleError';
    throw error;
  }
  let module;
  if (file.endsWith('.mjs')) module = await import(pathToFileURL(file).href);
  else {
    try {
      module = loadCommonJs(file);
    } catch (error) {
      // Like Node 22+ in Lambda: a .js file with ESM syntax and no package.json is ESM.
      if (!(error instanceof SyntaxError) || !/import|export|module/.test(error.message))
        throw error;
      module = await import(pathToFileURL(file).href);
    }
  }
  const fn = module[handlerExport] ?? module.default?.[handlerExport];
  if (typeof fn !== 'function') {
    const error = new Error(`${handlerModule}.${handlerExport} is undefined or not exported`);
    error.name = 'Runtime.HandlerNotFound';
    throw error;
  }
  return fn;
}

function callHandler(event, context) {
  return new Promise((resolve, reject) => {
    const callback = (error, value) => (error ? reject(error) : resolve(value));
    context.done = callback;
    context.succeed = (value) => resolve(value);
    context.fail = (error) => reject(error);
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

function send(message) {
  return new Promise((resolve) => process.send(message, () => resolve()));
}

async function invoke(message) {
  currentRequestId = message.requestId;
  const deadline = message.deadline;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedFunctionArn,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: message.requestId,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    clientContext: message.clientContext,
    identity: undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  env._X_AMZN_TRACE_ID = message.traceId;
  const started = performance.now();
  let status = 'success';
  try {
    const event = JSON.parse(message.payload);
    const result = await callHandler(event, context);
    const payload = JSON.stringify(result === undefined ? null : result);
    await send({ type: 'result', requestId: message.requestId, payload });
  } catch (error) {
    status = 'error';
    await send({
      type: 'result',
      requestId: message.requestId,
      error: toLambdaError(error, 'Error'),
    });
  } finally {
    report(message.requestId, started, status);
    currentRequestId = undefined;
  }
}

// Lambda's REPORT line of every invocation (JSON log format: a platform.report record), with
// the Init Duration after a cold start: what mini-ec trace bounds invocations with, and what
// Lambda bills: the duration, and since 2025-08-01 the init of a cold start too, rounded up
// to the ms.
function report(requestId, started, status) {
  const duration = (performance.now() - started).toFixed(2);
  const init = pendingInitDurationMs?.toFixed(2);
  const billed = Math.ceil(Number(duration) + Number(init ?? 0));
  pendingInitDurationMs = undefined;
  const memory = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE;
  const text = `REPORT RequestId: ${requestId}\tDuration: ${duration} ms\tBilled Duration: ${billed} ms\tMemory Size: ${memory} MB${init === undefined ? '' : `\tInit Duration: ${init} ms`}`;
  if (env.AWS_LAMBDA_LOG_FORMAT !== 'JSON') return process.stdout.write(`${text}\n`);
  const record = {
    requestId,
    metrics: {
      durationMs: Number(duration),
      billedDurationMs: billed,
      memorySizeMB: Number(memory),
      ...(init === undefined ? {} : { initDurationMs: Number(init) }),
    },
    status,
  };
  const line = { time: new Date().toISOString(), type: 'platform.report', message: text, record };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

// An uncaught error ends the instance, as in Lambda: report it for the running invocation.
async function crash(error, type) {
  const lambdaError = toLambdaError(error, type);
  if (type === 'Runtime.UnhandledPromiseRejection') lambdaError.errorType = type;
  process.stderr.write(
    `${JSON.stringify({ level: 'ERROR', message: `${lambdaError.errorType}: ${lambdaError.errorMessage}` })}\n`,
  );
  if (currentRequestId)
    await send({ type: 'result', requestId: currentRequestId, error: lambdaError });
  process.exit(1);
}
process.on('uncaughtException', (error) => void crash(error, 'Runtime.UncaughtException'));
process.on('unhandledRejection', (error) => void crash(error, 'Runtime.UnhandledPromiseRejection'));
process.on('disconnect', () => process.exit(0));

process.on('message', (message) => {
  if (message && message.type === 'invoke') void invoke(message);
});

const initStarted = performance.now();
load().then(
  async (fn) => {
    handler = fn;
    pendingInitDurationMs = performance.now() - initStarted;
    await send({ type: 'ready', initDurationMs: pendingInitDurationMs });
  },
  async (error) => {
    await send({ type: 'initError', error: toLambdaError(error, 'Runtime.ImportModuleError') });
    process.exit(1);
  },
);
