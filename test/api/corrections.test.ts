import { startTestServer } from '../support/test-server.js';
import { runCorrectionCases } from './corrections.cases.js';

runCorrectionCases('embedded store', () => startTestServer(), { asOf: true });
