import { LOCAL_REGION } from '../template/intrinsics.js';

/** The credentials every local client and function uses: fake, never sent to AWS. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;
/** SDK client settings shared by every local client. */
export const LOCAL_REGION_CONFIG = { region: LOCAL_REGION, maxAttempts: 3 } as const;
