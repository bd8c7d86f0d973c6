// The one way a Hono app for our OpenAPI routes is made: a request that fails its route's zod
// schema becomes the domain ValidationError, which problem.ts maps to 400 like every other one.
import { OpenAPIHono } from '@hono/zod-openapi';
import { validationErrorFromZod } from '../errors/issues-from-zod.js';
import type { AppEnv } from './context.js';

export function routesApp(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationErrorFromZod(result.error.issues);
    },
  });
}
