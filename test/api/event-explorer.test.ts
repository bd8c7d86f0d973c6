import { startTestServer } from '../support/test-server.js';
import { runEventExplorerCases } from './event-explorer.cases.js';

runEventExplorerCases('embedded store', () => startTestServer());
