import { startTestServer } from '../support/test-server.js';
import { runCustomerCases } from './customers.cases.js';

runCustomerCases('embedded store', () => startTestServer());
