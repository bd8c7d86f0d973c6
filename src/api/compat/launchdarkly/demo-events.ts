// Demo traffic for the LaunchDarkly-compatible profile: two projects with production and staging
// environments, web, mobile and server SDKs, a few flags and experiments, and a relay proxy.

import type { CloudEventInput, DemoOptions } from '../profile.js';
import { DAY_MS, demoRandom, diurnal, HOUR_MS } from '../shared/demo-random.js';
import { LD_EVENT_TYPES as T } from './event-shape.js';

const PROJECTS = [
  { projectKey: 'default', projectId: 'proj-0001', envs: ['production', 'staging'] },
  { projectKey: 'mobile-app', projectId: 'proj-0002', envs: ['production'] },
] as const;

const SDKS = [
  {
    sdkName: 'js-client-sdk',
    sdkType: 'client',
    category: 'browser',
    versions: ['3.4.0', '3.5.1'],
  },
  {
    sdkName: 'react-native-client-sdk',
    sdkType: 'client',
    category: 'mobile',
    versions: ['10.2.0'],
  },
  {
    sdkName: 'node-server-sdk',
    sdkType: 'server',
    category: 'backend',
    versions: ['9.0.0', '9.7.0'],
  },
  { sdkName: 'go-server-sdk', sdkType: 'server', category: 'backend', versions: ['7.6.2'] },
] as const;

const FLAGS = ['new-checkout', 'dark-mode', 'search-v2'] as const;

export function* launchdarklyDemoEvents(opts: DemoOptions): Generator<CloudEventInput> {
  const rnd = demoRandom(opts.seed ^ 0x1d1d);
  let n = 0;
  const ev = (type: string, time: number, data: Record<string, unknown>): CloudEventInput => ({
    id: `demo-launchdarkly-${n++}`,
    source: 'tally-demo/launchdarkly',
    specversion: '1.0',
    type,
    subject: 'acme-web',
    time: new Date(Math.min(time, opts.now - 1)).toISOString(),
    data,
  });
  const scope = () => {
    const p = rnd.pick(PROJECTS);
    const environmentKey = rnd.pick(p.envs);
    return {
      projectKey: p.projectKey,
      projectId: p.projectId,
      environmentKey,
      environmentId: `${p.projectId}-${environmentKey}`,
    };
  };
  const start = Math.floor((opts.now - opts.days * DAY_MS) / DAY_MS) * DAY_MS;
  for (let day = start; day < opts.now; day += DAY_MS) {
    const at = () => day + rnd.int(0, DAY_MS - 1);
    // Contexts: a pool of 400 users and 40 organisations; each day some of them show up.
    for (let i = rnd.int(60, 110); i > 0; i--) {
      const sdk = rnd.pick(SDKS);
      const org = rnd.chance(0.15);
      const anonymous = !org && rnd.chance(0.2);
      yield ev(T.context, at(), {
        ...scope(),
        contextKey: org ? `org-${rnd.int(1, 40)}` : `user-${rnd.int(1, 400)}`,
        contextKind: org ? 'organization' : 'user',
        anonymous: String(anonymous),
        sdkName: sdk.sdkName,
        sdkType: sdk.sdkType,
        sdkVersion: rnd.pick(sdk.versions),
        sdkAppId: sdk.sdkType === 'client' ? 'storefront' : 'api',
        category: sdk.category,
      });
    }
    for (let h = 0; h < 24; h++) {
      const hour = day + h * HOUR_MS;
      if (hour >= opts.now) break;
      const load = diurnal(h);
      for (const flagKey of FLAGS.slice(0, 2)) {
        for (const variation of ['0', '1']) {
          yield ev(T.evaluation, hour + rnd.int(0, HOUR_MS - 1), {
            projectKey: 'default',
            environmentKey: 'production',
            flagKey,
            variation,
            count: Math.round(load * rnd.int(50, 400) * (variation === '0' ? 3 : 1)),
          });
        }
      }
      yield ev(T.evaluation, hour + rnd.int(0, HOUR_MS - 1), {
        projectKey: 'mobile-app',
        environmentKey: 'production',
        flagKey: FLAGS[2],
        variation: '0',
        count: Math.round(load * rnd.int(10, 80)),
      });
      for (const direction of ['received', 'published']) {
        yield ev(T.events, hour + rnd.int(0, HOUR_MS - 1), {
          direction,
          count: Math.round(load * rnd.int(500, 2500)),
        });
      }
      for (let s = rnd.int(1, 4); s > 0; s--) {
        const sdk = rnd.pick(SDKS);
        yield ev(T.streamConnection, hour + rnd.int(0, HOUR_MS - 1), {
          source: sdk.sdkType,
          sdk: sdk.sdkName,
          version: rnd.pick(sdk.versions),
        });
      }
    }
    for (let i = rnd.int(15, 35); i > 0; i--) {
      yield ev(T.experimentationExposure, at(), {
        ...scope(),
        experimentId: rnd.pick(['exp-checkout-button', 'exp-onboarding']),
        contextKey: `user-${rnd.int(1, 400)}`,
      });
    }
    for (const eventKey of ['purchase', 'signup']) {
      yield ev(T.experimentationEvent, at(), {
        ...scope(),
        eventKey,
        eventKind: 'custom',
        count: rnd.int(20, 300),
      });
    }
    for (const eventKind of ['feature', 'custom']) {
      const s = scope();
      yield ev(T.dataExport, at(), {
        projectKey: s.projectKey,
        environmentKey: s.environmentKey,
        environmentId: s.environmentId,
        eventKind,
        count: rnd.int(1000, 9000),
      });
    }
    for (const kind of ['errors', 'logs', 'metrics', 'sessions', 'traces']) {
      yield ev(T.observability, at(), {
        projectKey: rnd.pick(PROJECTS).projectKey,
        kind,
        count: rnd.int(kind === 'errors' ? 5 : 200, kind === 'errors' ? 60 : 5000),
      });
    }
    for (const connectionType of ['direct', 'relay']) {
      const sdk = rnd.pick(SDKS.slice(2));
      yield ev(T.serviceConnection, at(), {
        ...scope(),
        connectionType,
        relayVersion: connectionType === 'relay' ? '8.10.0' : '',
        sdkName: sdk.sdkName,
        sdkVersion: rnd.pick(sdk.versions),
        sdkType: sdk.sdkType,
        sdkAppId: 'api',
        minutes: rnd.int(600, 1440) + rnd.int(0, 99) / 100,
      });
    }
    yield ev(T.vega, at(), { projectKey: 'default', count: rnd.int(0, 25) });
  }
}
