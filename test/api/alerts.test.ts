import { startTestServer } from '../support/test-server.js';
import { runAlertCases } from './alerts.cases.js';

runAlertCases({
  label: 'embedded store',
  start: (env) => startTestServer({ env, keepDataDir: true }),
  restart: async (old, env) => {
    await old.stop();
    return startTestServer({ env, dataDir: old.dataDir });
  },
});
