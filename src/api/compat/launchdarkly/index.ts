// The LaunchDarkly-compatible profile: account usage API at /compat/launchdarkly.

import type { CompatProfile } from '../profile.js';
import { launchdarklyDemoEvents } from './demo-events.js';
import { launchdarklyPresets } from './presets.js';
import { launchdarklyRoutes } from './routes.js';

export const launchdarklyProfile: CompatProfile = {
  name: 'launchdarkly',
  basePath: '/compat/launchdarkly',
  presets: launchdarklyPresets,
  routes: launchdarklyRoutes,
  demoEvents: launchdarklyDemoEvents,
};
