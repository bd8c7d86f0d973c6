// The THEO-compatible profile: channel analytics at /compat/theo/v2.

import type { CompatProfile } from '../profile.js';
import { theoDemoEvents } from './demo-events.js';
import { theoPresets } from './presets.js';
import { theoRoutes } from './routes.js';

export const theoProfile: CompatProfile = {
  name: 'theo',
  basePath: '/compat/theo/v2',
  presets: theoPresets,
  routes: theoRoutes,
  demoEvents: theoDemoEvents,
};
