import { LOCAL_REGION } from '../template/intrinsics.js';

/** The credentials every local client and function uses: fake, never sent to AWS. */
export const LOCAL_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } =
  Object.freeze({
    accessKeyId: 'local',
    secretAccessKey: 'local',
  });

/** A fresh copy for an SDK client (the SDK annotates the object it is given). */
export function localCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { ...LOCAL_CREDENTIALS };
}
/** SDK client settings shared by every local client. */
export const LOCAL_REGION_CONFIG = { region: LOCAL_REGION, maxAttempts: 3 } as const;

/** DynamoDB Local takes access keys of letters and digits only: the name goes in as hex. */
const FUNCTION_KEY_PREFIX = 'localfn';

/**
 * The credentials of one function: its own access key, as each Lambda function signs with its
 * own role's keys, so the local meter can tell which function made a request. The emulators
 * take any key (DynamoDB Local runs with -sharedDb: one database whatever the key).
 */
export function functionCredentials(functionName: string): {
  accessKeyId: string;
  secretAccessKey: string;
} {
  const hex = Buffer.from(functionName, 'utf8').toString('hex');
  return { accessKeyId: `${FUNCTION_KEY_PREFIX}${hex}`, secretAccessKey: 'local' };
}

/** The function that signed a request, from its Authorization header; undefined for others. */
export function functionOfRequest(authorization: string | undefined): string | undefined {
  const key = /Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
  if (!key?.startsWith(FUNCTION_KEY_PREFIX)) return undefined;
  return Buffer.from(key.slice(FUNCTION_KEY_PREFIX.length), 'hex').toString('utf8');
}
