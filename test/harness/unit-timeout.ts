// Many unit specs talk to a real Postgres, Redis or broker (describeWith), on a machine CI shares: jest's 5 s default
// failed a correct run there, a hook that made two databases while the e2e suites ran beside it. A spec that needs
// longer still says so itself; one that hangs fails after this, not never.
jest.setTimeout(30_000);
