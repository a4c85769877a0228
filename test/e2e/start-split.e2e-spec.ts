import { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { untilPasses } from '../harness/eventually';
import { acceptsConnections, endChild, endedAndLogged, freePort, isRunning, readLog, ROOT, spawnLogged, testLogFile } from '../harness/processes';

const CONTEXTS = ['users', 'catalog', 'ordering', 'payments'];
// Five processes start on a machine other suites share: each opens its embedded database and runs its migrations.
const STARTED_WITHIN_MS = 90_000;

/** `count` consecutive free ports, as the launcher takes them: the gateway's `--port`, then one per context. */
async function freePortRun(count: number): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const first = await freePort();
    const rest: number[] = [];
    for (let i = 1; i < count; i++) rest.push(await freePort());
    if (rest.every((port, i) => port === first + i + 1)) return first;
  }
  throw new Error(`No ${count} consecutive free ports`);
}

interface Launch {
  launcher: ChildProcess;
  exited: Promise<number | null>;
  logFile: string;
  httpPorts: number[];
  tcpPorts: number[];
}

/** `node tools/dev/start-split.js --transport tcp`, on ports of its own and embedded databases in memory. */
async function launchSplit(label: string): Promise<Launch> {
  const gatewayPort = await freePortRun(CONTEXTS.length + 1);
  const httpPorts = [gatewayPort, ...CONTEXTS.map((_, i) => gatewayPort + i + 1)];
  const tcpPorts: number[] = [];
  for (let i = 0; i <= CONTEXTS.length; i++) tcpPorts.push(await freePort());
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    EMBEDDED_DB_DIR: 'memory',
    GATEWAY_TCP_ADDRESS: `127.0.0.1:${tcpPorts[0]}`,
    ...Object.fromEntries(CONTEXTS.map((context, i) => [`${context.toUpperCase()}_TCP_ADDRESS`, `127.0.0.1:${tcpPorts[i + 1]}`])),
  };
  const logFile = testLogFile(label);
  const launcher = spawnLogged(process.execPath, [join('tools', 'dev', 'start-split.js'), '--transport', 'tcp', '--port', String(gatewayPort)], logFile, {
    cwd: ROOT,
    env,
  });
  // The launcher's last lines (which process ended, and how) are read once it has ended: all of them are in the file then.
  const exited = endedAndLogged(launcher);
  return { launcher, exited, logFile, httpPorts, tcpPorts };
}

async function portsAccepting(ports: number[]): Promise<number[]> {
  const open = await Promise.all(ports.map(async (port) => ((await acceptsConnections(port)) ? [port] : [])));
  return open.flat();
}

describe('npm run start:split', () => {
  let split: Launch | undefined;

  afterEach(async () => {
    if (split && isRunning(split.launcher)) await endChild(split.launcher, split.exited);
  });

  it('starts the gateway and the four contexts over TCP with one command, and one SIGTERM stops every one of them', async () => {
    split = await launchSplit('start-split-tcp');
    const { launcher, logFile, httpPorts, tcpPorts } = split;
    const api = `http://127.0.0.1:${httpPorts[0]}`;
    await untilPasses(
      async () => {
        if (!isRunning(launcher)) throw new Error(`start:split ended while starting:\n${readLog(logFile).slice(-3000)}`);
        expect((await fetch(`${api}/health/ready`).catch(() => undefined))?.status).toBe(200);
        // The gateway is ready on its own; the contexts it reaches are what /health/contexts shows.
        const reached = (await (await fetch(`${api}/health/contexts`)).json()) as { contexts: Record<string, { status: string }> };
        for (const context of CONTEXTS) expect(reached.contexts[context]?.status).toBe('up');
      },
      STARTED_WITHIN_MS,
      250,
    );
    const products = (await (await fetch(`${api}/products`)).json()) as { items: { id: string }[] };
    expect(products.items.length).toBeGreaterThan(0);
    const product = await fetch(`${api}/products/${products.items[0].id}`);
    expect(product.status).toBe(200);
    for (const name of ['gateway', ...CONTEXTS]) expect(readLog(logFile)).toMatch(new RegExp(`^\\[${name}\\s*\\] `, 'm'));
    expect(await portsAccepting([...httpPorts, ...tcpPorts])).toEqual([...httpPorts, ...tcpPorts]);

    launcher.kill('SIGTERM');
    await expect(split.exited).resolves.toBe(0);
    await untilPasses(async () => expect(await portsAccepting([...httpPorts, ...tcpPorts])).toEqual([]), 20_000, 250);
  }, 150_000);

  it('says which process ended by itself and stops the others', async () => {
    split = await launchSplit('start-split-one-dies');
    const { launcher, logFile, httpPorts, tcpPorts } = split;
    await untilPasses(
      async () => expect(await fetch(`http://127.0.0.1:${httpPorts[2]}/health/live`).catch(() => undefined)).toBeDefined(),
      STARTED_WITHIN_MS,
      250,
    );
    expect(isRunning(launcher)).toBe(true);
    const catalogPid = /"pid":(\d+),"hostname":"[^"]*","name":"catalog"/.exec(readLog(logFile))?.[1];
    expect(catalogPid).toBeDefined();
    process.kill(Number(catalogPid), 'SIGKILL');

    await expect(split.exited).resolves.toBe(1);
    const exits = readLog(logFile).match(/^\[\w+\s*\] .* exited with code \w+$/gm) ?? [];
    // node is the launcher's child itself (no shell between them), so the signal that ended it is named.
    expect(exits[0]).toMatch(/^\[catalog\s*\] .*main\.js exited with code SIGKILL$/);
    await untilPasses(async () => expect(await portsAccepting([...httpPorts, ...tcpPorts])).toEqual([]), 20_000, 250);
  }, 150_000);
});
