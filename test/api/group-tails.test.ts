import { startTestServer } from '../support/test-server.js';
import { runGroupTailsCases } from './group-tails.cases.js';

runGroupTailsCases('embedded store', () => startTestServer());
