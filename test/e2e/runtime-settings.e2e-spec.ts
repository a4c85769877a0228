import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilPasses } from '../harness/eventually';
import { Api } from '../harness/http';
import { metricsOf, sample } from '../harness/metrics';
import { AppProcess, freePort } from '../harness/processes';
import { RunningTopology, startMonolith } from '../harness/topologies';

// The watcher's 5 s promise, with room for a machine that CI shares.
const APPLIES_WITHIN_MS = 20_000;

describe('runtime settings from CONFIG_FILE, changed while the monolith runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-settings-'));
  const configFile = join(dir, 'settings.yaml');
  let topology: RunningTopology;
  let api: Api;
  let nextClient = 1;

  beforeAll(async () => {
    writeFileSync(configFile, 'RATE_LIMIT_PER_MINUTE: 100000\n');
    // Each check is a client of its own, named by the proxy the monolith trusts, so no check spends another's budget.
    topology = await startMonolith('embedded', { CONFIG_FILE: configFile, TRUST_PROXY: '127.0.0.1', LOG_LEVEL: 'info' });
    api = await new Api(topology.baseUrl).holdingToOpenApi();
  }, 120_000);

  afterAll(async () => {
    await topology?.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  /** The monolith's lines about its settings: a wait that fails shows them, not the whole log of its requests. */
  function settingsLines(): string {
    return topology.processes.monolith
      .output()
      .split('\n')
      .filter((line) => line.includes('"context":"RuntimeSettings"'))
      .join('\n');
  }

  /** config_last_reload_successful of the monolith's GET /metrics. */
  async function reloadSuccessful(): Promise<number | undefined> {
    return sample(await metricsOf(Number(new URL(topology.baseUrl).port)), 'config_last_reload_successful');
  }

  /** The statuses a new client gets for `count` requests in a row. */
  async function statusesOfNewClient(count: number): Promise<number[]> {
    const headers = { 'x-forwarded-for': `203.0.113.${nextClient++}` };
    const statuses: number[] = [];
    for (let request = 0; request < count; request++) statuses.push((await api.get('/products', { headers })).status);
    return statuses;
  }

  it('holds a rate limit changed in the file, and logs the old and new values', async () => {
    expect(await statusesOfNewClient(4)).toEqual([200, 200, 200, 200]);

    writeFileSync(configFile, 'RATE_LIMIT_PER_MINUTE: 3\n');

    await untilPasses(async () => expect(await statusesOfNewClient(4)).toEqual([200, 200, 200, 429]), APPLIES_WITHIN_MS, 200);
    // The line reaches the log file through a pipe, which may still hold it when the 429 is back.
    await untilPasses(() => expect(settingsLines()).toContain('RATE_LIMIT_PER_MINUTE 100000 -> 3'), APPLIES_WITHIN_MS, 200);
    expect(await reloadSuccessful()).toBe(1);
  });

  it('refuses a file with a bad limit in one line naming the key, and the old limit holds', async () => {
    writeFileSync(configFile, 'RATE_LIMIT_PER_MINUTE: -3\n');

    await untilPasses(
      () => expect(settingsLines()).toMatch(/refused, the settings stay as they were: RATE_LIMIT_PER_MINUTE must be greater than or equal to 1/),
      APPLIES_WITHIN_MS,
      200,
    );
    expect(await statusesOfNewClient(4)).toEqual([200, 200, 200, 429]);
    expect(topology.processes.monolith.running).toBe(true);
    // What an alert watches, since a log at LOG_LEVEL=silent would not say it.
    expect(await reloadSuccessful()).toBe(0);
  });

  it('refuses a file that sets a secret, saying it belongs in the environment', async () => {
    writeFileSync(configFile, 'RATE_LIMIT_PER_MINUTE: 50\nJWT_SECRET: a-secret-that-is-long-enough\n');

    await untilPasses(
      () => expect(settingsLines()).toMatch(/JWT_SECRET is not a runtime setting: set it in the environment and restart/),
      APPLIES_WITHIN_MS,
      200,
    );
    expect(await statusesOfNewClient(4)).toEqual([200, 200, 200, 429]);
  });

  it('takes SIGHUP as "read the file again", not as "stop"', async () => {
    topology.processes.monolith.signal('SIGHUP');

    await untilPasses(() => expect(settingsLines()).toContain(`SIGHUP: reading CONFIG_FILE ${configFile} again`), APPLIES_WITHIN_MS, 200);
    expect((await api.get('/health/live')).status).toBe(200);
    expect(topology.processes.monolith.running).toBe(true);
  });
});

describe('a CONFIG_FILE that is bad at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-settings-'));

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('stops the start with a message naming the file and the key, as a bad variable does', async () => {
    const configFile = join(dir, 'settings.yaml');
    writeFileSync(configFile, 'DATABASE_URL: postgres://db/shop\n');
    const app = AppProcess.start('monolith', 'refused-CONFIG_FILE', { EMBEDDED_DB_DIR: 'memory', PORT: String(await freePort()), CONFIG_FILE: configFile });

    expect(await app.exitCode()).not.toBe(0);
    expect(app.output()).toContain(`CONFIG_FILE ${configFile} DATABASE_URL is not a runtime setting: set it in the environment and restart`);
  });
});
