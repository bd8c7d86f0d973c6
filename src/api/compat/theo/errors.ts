// THEO-compatible error body: `{"message": "..."}` with the HTTP status. The range is `start` and
// `end` on THEO's wire.

import type { VendorErrors } from '../kit/vendor-errors.js';

export const theoErrors: VendorErrors = {
  body: ({ message }) => ({ message }),
  paramNames: { from: 'start', to: 'end' },
};
