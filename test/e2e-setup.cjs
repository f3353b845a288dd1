// Every end-to-end test gets a minute (a real app, real servers); jest's testTimeout is run-wide, not per project.
jest.setTimeout(60_000);
