// LaunchDarkly's error bodies are `{code, message}` (InvalidRequestErrorRep, UnauthorizedErrorRep,
// ForbiddenErrorRep, NotFoundErrorRep, RateLimitedErrorRep). Its range parameters are named as the
// planner's, so no renaming is needed.

import type { DomainStatus } from '../kit/compat-status.js';
import type { VendorErrors } from '../kit/vendor-errors.js';

const CODES: Record<DomainStatus, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  429: 'rate_limited',
  503: 'service_unavailable',
};

export const ldErrors: VendorErrors = {
  body: ({ status, message }) => ({ code: CODES[status], message }),
};
