// A few unit specs start real server processes (an MCP server, redis-server): beside the end-to-end
// tests on a busy machine they get 30 s, not jest's 5 (testTimeout is run-wide, not per project).
jest.setTimeout(30_000);
