// Wowza Video's error body: `{meta: {status, code, title, message, description, links}, request_id,
// request_timestamp}`. Its range parameters are named as the planner's, so no renaming is needed.

import { randomUUID } from 'node:crypto';
import type { DomainStatus } from '../kit/compat-status.js';
import type { VendorErrors } from '../kit/vendor-errors.js';

const META: Record<DomainStatus, [code: string, title: string]> = {
  400: ['ERR-400-InvalidParameter', 'Invalid Parameter Error'],
  401: ['ERR-401-InvalidToken', 'Invalid Token Error'],
  403: ['ERR-403-Forbidden', 'Forbidden Error'],
  404: ['ERR-404-RecordNotFound', 'Record Not Found Error'],
  429: ['ERR-429-TooManyRequests', 'Too Many Requests Error'],
  503: ['ERR-503-ServiceUnavailable', 'Service Unavailable Error'],
};

export const wowzaErrors: VendorErrors = {
  body: ({ status, message }) => {
    const [code, title] = META[status];
    return {
      meta: { status, code, title, message, description: '', links: [] },
      request_id: randomUUID(),
      request_timestamp: new Date().toISOString(),
    };
  },
};
