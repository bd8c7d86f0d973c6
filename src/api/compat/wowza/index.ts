// The Wowza-compatible profile: usage API at /compat/wowza/api/{version}.

import type { CompatProfile } from '../profile.js';
import { wowzaDemoEvents } from './demo-events.js';
import { wowzaPresets } from './presets.js';
import { wowzaRoutes } from './routes.js';

export const wowzaProfile: CompatProfile = {
  name: 'wowza',
  basePath: '/compat/wowza/api/:version',
  presets: wowzaPresets,
  routes: wowzaRoutes,
  demoEvents: wowzaDemoEvents,
};
