// Integration tests wait on a real broker (group joins, commits); testTimeout is global-only in
// Jest, so the integration project sets its own here.
jest.setTimeout(120_000);
