// zod issues become domain issues here and nowhere else, so that every API reports a bad field
// under the same dotted path. Structural on zod's issue shape: the errors module imports no zod.
import { type Issue, ValidationError } from './domain-errors.js';

/** What this needs of a zod issue (ZodIssue fits). */
export interface ZodIssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** One domain issue per zod issue, the path dotted ("events.3.time") and prefixed when given. */
export function issuesFromZod(
  issues: readonly ZodIssueLike[],
  prefix: readonly string[] = [],
): Issue[] {
  return issues.map((i) => ({
    path: [...prefix, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
}

/** The ValidationError of a failed zod parse. */
export function validationErrorFromZod(
  issues: readonly ZodIssueLike[],
  prefix: readonly string[] = [],
): ValidationError {
  return new ValidationError(issuesFromZod(issues, prefix));
}
