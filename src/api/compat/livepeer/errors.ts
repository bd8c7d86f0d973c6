// Livepeer answers errors as `{"errors": ["..."]}` with a JSON content type, one line per problem;
// the official client surfaces the raw body in SDKError for any 4xx/5xx. Its range parameters are
// named as the planner's, so no renaming is needed.

import type { VendorErrors } from '../kit/vendor-errors.js';

export const livepeerErrors: VendorErrors = {
  body: ({ lines }) => ({ errors: lines }),
};
