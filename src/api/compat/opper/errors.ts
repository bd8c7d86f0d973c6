// Opper's error classes: each status has a `{type, message, detail}` body whose `type` names the
// class the official client raises (BadRequestError, UnauthorizedError, ...). A query string that
// fails its schema is FastAPI's 422 RequestValidationError, its issues listed in `detail`.

import type { DomainStatus } from '../kit/compat-status.js';
import type { VendorErrors } from '../kit/vendor-errors.js';

type OpperStatus = DomainStatus | 422;

const TYPES: Record<OpperStatus, string> = {
  400: 'BadRequestError',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  422: 'RequestValidationError',
  429: 'RateLimitError',
  503: 'ServiceUnavailableError',
};

export const opperErrors: VendorErrors<OpperStatus> = {
  body: ({ status, message, params }) => ({
    type: TYPES[status],
    message: params ? 'The request is invalid' : message,
    detail:
      params?.map((p) => ({ loc: ['query', ...p.path], msg: p.message, type: p.code })) ?? null,
  }),
  queryParamsStatus: 422,
  paramNames: { from: 'from_date', to: 'to_date' },
};
