// The Livepeer-compatible profile: metrics API at /compat/livepeer/api.

import type { CompatProfile } from '../profile.js';
import { livepeerDemoEvents } from './demo-events.js';
import { livepeerPresets } from './presets.js';
import { livepeerRoutes } from './routes.js';

export const livepeerProfile: CompatProfile = {
  name: 'livepeer',
  basePath: '/compat/livepeer/api',
  presets: livepeerPresets,
  routes: livepeerRoutes,
  demoEvents: livepeerDemoEvents,
};
