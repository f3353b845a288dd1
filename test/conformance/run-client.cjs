// Entry point the conformance runner spawns (`node test/conformance/run-client.cjs <server-url>`).
require('../../scripts/register-ts.cjs');
require('./client.ts');
