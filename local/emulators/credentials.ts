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
