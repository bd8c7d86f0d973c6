// The Opper-compatible profile: analytics usage at /compat/opper/v2.

import type { CompatProfile } from '../profile.js';
import { opperDemoEvents } from './demo-events.js';
import { opperPresets } from './presets.js';
import { opperRoutes } from './routes.js';

export const opperProfile: CompatProfile = {
  name: 'opper',
  basePath: '/compat/opper/v2',
  presets: opperPresets,
  routes: opperRoutes,
  demoEvents: opperDemoEvents,
};
