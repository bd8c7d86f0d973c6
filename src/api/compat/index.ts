// The registry of compat profiles. The server mounts each at its basePath and, when an account
// enables a profile, creates the profile's preset meters for it.

import { launchdarklyProfile } from './launchdarkly/index.js';
import { livepeerProfile } from './livepeer/index.js';
import { opperProfile } from './opper/index.js';
import type { CompatProfile } from './profile.js';
import { theoProfile } from './theo/index.js';
import { wowzaProfile } from './wowza/index.js';

export const compatProfiles: readonly CompatProfile[] = [
  livepeerProfile,
  launchdarklyProfile,
  opperProfile,
  wowzaProfile,
  theoProfile,
];
