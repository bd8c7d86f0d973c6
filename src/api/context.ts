import type { Principal } from '../auth/key-service.js';

/** Per-request values the middleware sets. */
export interface AppEnv {
  Variables: {
    requestId: string;
    principal: Principal;
  };
}
