// An e2e test drives several processes on a machine CI shares: jest's 5 s default fails a correct run. testTimeout
// is a global option that a project's config does not carry, so the e2e project sets its default here.
jest.setTimeout(60_000);
