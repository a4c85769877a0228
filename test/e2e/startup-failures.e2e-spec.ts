import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilPasses } from '../harness/eventually';
import { PrivateNatsServer } from '../harness/nats-server';
import { POSTGRES_ADMIN_URL } from '../harness/postgres';
import { AppName, AppProcess, freePort, waitForStatus } from '../harness/processes';
import { describeWith } from '../harness/topologies';

// docs/ARCHITECTURE.md, "Topology configuration": how a refused start ends.
const EX_CONFIG = 78;
const EX_UNAVAILABLE = 69;

/** Starts `app` from the build with `env` and waits until it ends by itself: it must, without a signal. */
async function refusedStart(app: AppName, env: Record<string, string>): Promise<{ code: number | null; output: string; reasons: string[] }> {
  const process = AppProcess.start(app, `startup-failure-${app}`, {
    PORT: String(await freePort()),
    EMBEDDED_DB_DIR: 'memory',
    ...env,
  });
  const code = await process.exitCode();
  const output = process.output();
  return { code, output, reasons: output.split('\n').filter((line) => line.includes('Tessera could not start')) };
}

/** One line says why, and nothing printed a stack. */
function expectOneReason(result: { output: string; reasons: string[] }, reason: RegExp): void {
  expect(result.reasons).toHaveLength(1);
  expect(result.reasons[0]).toMatch(reason);
  expect(result.output).not.toMatch(/^\s+at /m);
}

describe('a start that cannot succeed ends by itself with one line that says what to fix', () => {
  describe('configuration errors exit 78', () => {
    it('refuses a transport it does not know', async () => {
      const result = await refusedStart('monolith', { TRANSPORT: 'kafka' });
      expect(result.code).toBe(EX_CONFIG);
      expectOneReason(result, /^Tessera could not start: TRANSPORT must be one of inproc, tcp, nats, rmq; got "kafka"$/);
    });

    it('refuses a misspelt context in CONTEXTS, naming the ones it can host', async () => {
      const result = await refusedStart('monolith', { CONTEXTS: 'users,catalgo' });
      expect(result.code).toBe(EX_CONFIG);
      expectOneReason(
        result,
        /^Tessera could not start: CONTEXTS names catalgo, which this build cannot host; choose from users, catalog, ordering, payments$/,
      );
    });

    it.each([
      ['LOG_LEVEL', 'verbose', /^Tessera could not start: LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent; got "verbose"$/],
      ['LOG_FORMAT', 'xml', /^Tessera could not start: LOG_FORMAT must be pretty or json, not "xml"$/],
    ])('refuses %s=%s before it logs a line, naming the variable', async (name, value, reason) => {
      const result = await refusedStart('monolith', { [name]: value });
      expect(result.code).toBe(EX_CONFIG);
      expectOneReason(result, reason);
    });

    // The SDK took each with a diagnostic line nobody sees, and exported nothing or sampled every trace.
    it.each([
      [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL; got "collector"'],
      [
        { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '10' },
        'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1',
      ],
    ])('refuses tracing settings the SDK would ignore, naming the variable: %j', async (env, reason) => {
      const result = await refusedStart('gateway', env);
      expect(result.code).toBe(EX_CONFIG);
      expectOneReason(result, new RegExp(`^Tessera could not start: Invalid configuration: ${reason.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    });

    // 192.0.2.1 is TEST-NET-1 (RFC 5737): no machine has it.
    it('refuses a HOST that is not an address of this machine, naming HOST', async () => {
      const result = await refusedStart('monolith', { HOST: '192.0.2.1' });
      expect(result.code).toBe(EX_CONFIG);
      expectOneReason(result, /^Tessera could not start: 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\): set HOST to one of its addresses/);
    });

    // It waited forever, its health port never open, with one line logged as an error of a running server.
    it("refuses a context's TCP address that is not of this machine, naming the setting", async () => {
      const result = await refusedStart('catalog', { CATALOG_TCP_ADDRESS: `192.0.2.1:${await freePort()}` });
      expect(result.code).toBe(EX_CONFIG);
      expectOneReason(
        result,
        /^Tessera could not start: 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\): set CATALOG_TCP_LISTEN_ADDRESS \(or CATALOG_TCP_ADDRESS\) to one/,
      );
    });

    it('refuses an EMBEDDED_DB_DIR it cannot make, naming it and why', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'tessera-e2e-not-a-folder-'));
      const file = join(folder, 'a-file');
      writeFileSync(file, 'not a folder');
      try {
        const result = await refusedStart('monolith', { EMBEDDED_DB_DIR: join(file, 'db') });
        expect(result.code).toBe(EX_CONFIG);
        expectOneReason(
          result,
          /^Tessera could not start: EMBEDDED_DB_DIR is .+a-file\/db, a folder this process cannot make or write \(ENOTDIR: .*\): set EMBEDDED_DB_DIR to a folder it can write, or to "memory"/,
        );
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    });

    // What an older Tessera, whose PGlite ran an older Postgres, left in .data/db: PGlite said only that it "failed to
    // initialize properly". The folder stands in for one with its PG_VERSION alone.
    it('refuses an EMBEDDED_DB_DIR made by another major version of Postgres, saying which and what to do', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'tessera-e2e-postgres-16-'));
      writeFileSync(join(folder, 'PG_VERSION'), '16\n');
      try {
        const result = await refusedStart('monolith', { EMBEDDED_DB_DIR: folder });
        expect(result.code).toBe(EX_CONFIG);
        expectOneReason(
          result,
          /^Tessera could not start: the embedded database in .+ \(EMBEDDED_DB_DIR\) could not start: its files were made by Postgres 16, and this embedded Postgres is \d+, which cannot open them .*Move the folder away, or set EMBEDDED_DB_DIR to another one/,
        );
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    }, 60_000);

    it('refuses a malformed DATABASE_URL', async () => {
      const result = await refusedStart('users', { DATABASE_URL: 'mysql://db/shop' });
      expect(result.code).toBe(EX_CONFIG);
      expectOneReason(result, /^Tessera could not start: Invalid configuration: "DATABASE_URL" must be a valid uri/);
    });
  });

  describe('what the process needs and cannot reach exits 69', () => {
    it.each([
      ['monolith', 'PORT', (port: number) => ({ PORT: String(port) })],
      ['users', 'USERS_TCP_LISTEN_ADDRESS (or USERS_TCP_ADDRESS)', (port: number) => ({ USERS_TCP_ADDRESS: `127.0.0.1:${port}` })],
    ] as const)(
      'refuses a port another process holds (%s), naming %s and nothing else',
      async (app, setting, envOf) => {
        const port = await freePort();
        const holder = createServer();
        await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
        try {
          const result = await refusedStart(app, envOf(port));
          expect(result.code).toBe(EX_UNAVAILABLE);
          expectOneReason(
            result,
            new RegExp(
              `^Tessera could not start: 127\\.0\\.0\\.1:${port} is in use by another process \\(EADDRINUSE\\): stop it, or set ${setting.replace(/[()]/g, '\\$&')} to a free port$`,
            ),
          );
          expect(result.output).not.toMatch(/"level":50/);
        } finally {
          await new Promise((resolve) => holder.close(resolve));
        }
      },
      60_000,
    );

    it('gives up on a NATS server that is not there, naming it, its URL and NATS_URL', async () => {
      const url = `nats://127.0.0.1:${await freePort()}`;
      const result = await refusedStart('gateway', { TRANSPORT: 'nats', NATS_URL: url });
      expect(result.code).toBe(EX_UNAVAILABLE);
      expectOneReason(
        result,
        new RegExp(`^Tessera could not start: NATS at ${url} did not accept a connection within \\d+ s \\(.+\\): start it, or set NATS_URL to where it runs$`),
      );
    }, 60_000);

    it('gives up on a RabbitMQ that is not there, showing its URL without the password', async () => {
      const port = await freePort();
      const result = await refusedStart('catalog', { TRANSPORT: 'rmq', RABBITMQ_URL: `amqp://shop:hush-hush@127.0.0.1:${port}` });
      expect(result.code).toBe(EX_UNAVAILABLE);
      expectOneReason(
        result,
        new RegExp(`^Tessera could not start: RabbitMQ at amqp://shop@127\\.0\\.0\\.1:${port} did not accept a connection within \\d+ s .*set RABBITMQ_URL`),
      );
      expect(result.output).not.toContain('hush-hush');
    }, 60_000);

    it('gives up on a Postgres that refuses connections, naming the variable to fix', async () => {
      const port = await freePort();
      const result = await refusedStart('payments', { PAYMENTS_DATABASE_URL: `postgres://shop:hush-hush@127.0.0.1:${port}/shop` });
      expect(result.code).toBe(EX_UNAVAILABLE);
      expectOneReason(
        result,
        new RegExp(
          `^Tessera could not start: Postgres at postgres://shop@127\\.0\\.0\\.1:${port}/shop did not accept a connection .*\\(ECONNREFUSED\\): start it, or set PAYMENTS_DATABASE_URL to where it runs$`,
        ),
      );
      expect(result.output).not.toContain('hush-hush');
    }, 60_000);
  });

  describe('an embedded database folder', () => {
    let dir: string;
    let holder: AppProcess | undefined;

    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-lock-'))));
    afterAll(async () => {
      await holder?.stop();
      rmSync(dir, { recursive: true, force: true });
    }, 30_000);

    it('serves one process: a second one refuses, naming the first, and the lock goes with the first', async () => {
      const port = await freePort();
      holder = AppProcess.start('monolith', 'startup-failure-lock-holder', { PORT: String(port), EMBEDDED_DB_DIR: dir });
      await waitForStatus(`http://127.0.0.1:${port}/health/ready`, 200, [holder], 90_000);
      const lockFile = join(dir, 'tessera.lock');
      expect(existsSync(lockFile)).toBe(true);

      const second = await refusedStart('monolith', { EMBEDDED_DB_DIR: dir });
      expect(second.code).toBe(EX_UNAVAILABLE);
      expectOneReason(second, /^Tessera could not start: the embedded database in .+ is in use by process \d+ .*EMBEDDED_DB_DIR/);

      await holder.stop();
      await untilPasses(() => expect(existsSync(lockFile)).toBe(false), 10_000, 100);
    }, 120_000);
  });
});

describeWith(['nats'])('a NATS server that requires credentials', () => {
  let nats: PrivateNatsServer;

  beforeAll(async () => {
    nats = await PrivateNatsServer.start('startup-failure-credentials', { user: 'tessera', password: 'hush-hush' });
  });

  afterAll(async () => {
    await nats?.remove();
  });

  it('refuses a NATS_URL without them: exit 69 with one line that says how to give them', async () => {
    const result = await refusedStart('gateway', { TRANSPORT: 'nats', NATS_URL: nats.urlWithoutCredentials });
    expect(result.code).toBe(EX_UNAVAILABLE);
    expectOneReason(
      result,
      new RegExp(
        `^Tessera could not start: NATS at ${nats.urlWithoutCredentials} requires credentials and NATS_URL has none: put the user and password \\(nats://<user>:<password>@<host>:<port>\\) or the token`,
      ),
    );
  }, 60_000);

  it('refuses credentials the server does not accept: exit 69, naming the user and never the password', async () => {
    const result = await refusedStart('gateway', { TRANSPORT: 'nats', NATS_URL: nats.url.replace('hush-hush', 'not-the-password') });
    expect(result.code).toBe(EX_UNAVAILABLE);
    expectOneReason(
      result,
      new RegExp(
        `^Tessera could not start: NATS at nats://tessera@127\\.0\\.0\\.1:${nats.port} refused the credentials in NATS_URL \\(AUTHORIZATION_VIOLATION\\)`,
      ),
    );
    expect(result.output).not.toContain('not-the-password');
  }, 60_000);
});

describeWith(['nats'])("a NATS server whose authorization does not let the process's user do its work", () => {
  const NAMESPACE = `refused-${randomUUID().slice(0, 8)}`;
  let nats: PrivateNatsServer;
  let configDir: string;

  beforeAll(async () => {
    configDir = mkdtempSync(join(tmpdir(), 'tessera-nats-authorization-'));
    const configFile = join(configDir, 'nats-server.conf');
    writeFileSync(
      configFile,
      `authorization {
  users = [
    { user: "harness", password: "harness-password" }
    { user: "catalog", password: "catalog-password", permissions: { publish: ">", subscribe: { allow: ">", deny: "${NAMESPACE}.catalog.*" } } }
    { user: "no-jetstream", password: "no-jetstream-password", permissions: { publish: { allow: ">", deny: "$JS.API.>" }, subscribe: ">" } }
  ]
}
`,
    );
    nats = await PrivateNatsServer.start('startup-failure-permissions', { configFile, environment: {}, user: 'harness', password: 'harness-password' });
  });

  afterAll(async () => {
    await nats?.remove();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it("refuses a user that may not take the context's requests: exit 69, naming the subject and the file that grants it", async () => {
    const result = await refusedStart('catalog', { TRANSPORT: 'nats', MESSAGING_NAMESPACE: NAMESPACE, NATS_URL: nats.urlOf('catalog', 'catalog-password') });
    expect(result.code).toBe(EX_UNAVAILABLE);
    expectOneReason(
      result,
      new RegExp(
        `^Tessera could not start: NATS refused this process's user the subscription to ${NAMESPACE}\\.catalog\\.\\* in queue ${NAMESPACE}\\.catalog\\.requests, so it takes none of catalog's requests: .*docker/nats/authorization\\.conf.*NATS_URL`,
      ),
    );
    expect(result.output).not.toMatch(/ready in/);
  }, 60_000);

  it('refuses a user that may not use JetStream: exit 69, naming the refused API subject', async () => {
    const result = await refusedStart('catalog', {
      TRANSPORT: 'nats',
      MESSAGING_NAMESPACE: NAMESPACE,
      NATS_URL: nats.urlOf('no-jetstream', 'no-jetstream-password'),
    });
    expect(result.code).toBe(EX_UNAVAILABLE);
    expectOneReason(result, /^Tessera could not start: NATS refused this process's user a publish to \$JS\.API\.\S+, so it can keep no events in JetStream/);
  }, 60_000);
});

describeWith(['postgres'])('a DATABASE_URL naming a database that does not exist', () => {
  it('exits 69 with one line that says how to create it', async () => {
    const missing = new URL(POSTGRES_ADMIN_URL);
    missing.pathname = `/tessera_missing_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
    const result = await refusedStart('catalog', { DATABASE_URL: missing.toString() });
    expect(result.code).toBe(EX_UNAVAILABLE);
    expectOneReason(
      result,
      /^Tessera could not start: the database "tessera_missing_[0-9a-f]+" of DATABASE_URL=.+ does not exist: create it \(createdb .+\) or set DATABASE_URL to one that does$/,
    );
  }, 60_000);
});
