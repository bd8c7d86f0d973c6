// The ValidationErrors compat routes raise themselves. A query string that fails its zod schema is
// a QueryParamsError: still a ValidationError (code 'validation') for every mapping, but it keeps
// the zod issue codes and path segments, because some vendors (Opper's FastAPI-style
// RequestValidationError) list them in the body and answer with their own status.

import { ValidationError } from '../../../errors/domain-errors.js';
import { issuesFromZod, type ZodIssueLike } from '../../../errors/issues-from-zod.js';

/** One query parameter that failed its schema, under the vendor's own name. */
export interface ParamIssue {
  path: readonly string[];
  message: string;
  /** zod's issue code, e.g. "invalid_value". */
  code: string;
}

export class QueryParamsError extends ValidationError {
  readonly params: readonly ParamIssue[];
  constructor(issues: readonly (ZodIssueLike & { readonly code: string })[]) {
    super(issuesFromZod(issues));
    this.params = issues.map((i) => ({
      path: i.path.map(String),
      message: i.message,
      code: i.code,
    }));
  }
}

/** A request the vendor's own rules refuse (the message names the parameter as the vendor does). */
export function invalidRequest(message: string): ValidationError {
  return new ValidationError([{ path: '', message }]);
}
