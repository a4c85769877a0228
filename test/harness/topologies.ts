import { CONTEXT_NAMES, ContextName } from '@tessera/contracts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertBrokerReachable, removeNatsNamespace, removeRabbitNamespace, TEST_NATS_URL, TEST_RABBITMQ_URL, testNamespace } from './brokers';
import { untilPasses } from './eventually';
import { AppName, AppProcess, freePort, waitForStatus } from './processes';
export { describeWith, type Service } from './services';
import { createTestDatabase, realPostgresWanted } from './postgres';

export const TEST_JWT_SECRET = 'e2e-secret-that-is-long-enough-for-hs256';
export const TEST_ADMIN = { email: 'admin@e2e.test', password: 'admin-e2e-password' };
export const ALLOWED_ORIGIN = 'https://shop.example';
/**
 * For the tests that kill a process: what it had leased in its outbox comes back after this lease instead of
 * production's 15 s, through the same takeover by a relay. Still as long as a remote delivery may take.
 */
export const CRASH_TEST_OUTBOX_LEASE = { TESSERA_OUTBOX_LEASE_SECONDS: '5' };

/** The environment every process of a test topology shares; generous limits so the suite measures behaviour, not throttling. */
const COMMON_ENV = {
  JWT_SECRET: TEST_JWT_SECRET,
  ADMIN_EMAIL: TEST_ADMIN.email,
  ADMIN_PASSWORD: TEST_ADMIN.password,
  RATE_LIMIT_PER_MINUTE: '100000',
  LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  CORS_ORIGINS: ALLOWED_ORIGIN,
};

export type Database = 'embedded' | 'postgres';

export interface RunningTopology {
  name: string;
  baseUrl: string;
  processes: Record<string, AppProcess>;
  stop(): Promise<void>;
}

/**
 * Database settings for one process: its own embedded database (in memory, or
 * on disk when a process must keep its data across a restart), or the shared
 * test database.
 */
async function databaseFor(database: Database, onDisk = false): Promise<{ env: (label: string) => Record<string, string>; drop: () => Promise<void> }> {
  if (database === 'embedded' && onDisk) {
    const root = mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
    return { env: (label) => ({ EMBEDDED_DB_DIR: join(root, label) }), drop: async () => rmSync(root, { recursive: true, force: true }) };
  }
  if (database === 'embedded') return { env: () => ({ EMBEDDED_DB_DIR: 'memory' }), drop: async () => undefined };
  const db = await createTestDatabase();
  return { env: () => ({ DATABASE_URL: db.url }), drop: db.drop };
}

async function started(name: string, gatewayPort: number, processes: Record<string, AppProcess>, drop: () => Promise<void>): Promise<RunningTopology> {
  // Read at stop time: a test may have replaced a process with its restart.
  const stop = async () => {
    await Promise.all(Object.values(processes).map((p) => p.stop()));
    await drop();
  };
  try {
    await waitForStatus(`http://127.0.0.1:${gatewayPort}/health/ready`, 200, Object.values(processes));
  } catch (error) {
    await stop();
    throw error;
  }
  return { name, baseUrl: `http://127.0.0.1:${gatewayPort}`, processes, stop };
}

/** Everything in one process: `npm start`. */
export async function startMonolith(database: Database, extraEnv: Record<string, string> = {}): Promise<RunningTopology> {
  const name = `monolith-${database}`;
  const db = await databaseFor(database);
  const port = await freePort();
  const monolith = AppProcess.start('monolith', name, { ...COMMON_ENV, ...db.env('monolith'), PORT: String(port), ...extraEnv });
  return started(name, port, { monolith }, db.drop);
}

/**
 * A monolith on a Postgres database the test made itself (restored from a file, reached through a proxy), with the
 * settings every test topology has; its stop leaves the database to the test.
 */
export async function startMonolithOnDatabase(databaseUrl: string, label: string, extraEnv: Record<string, string> = {}): Promise<RunningTopology> {
  const port = await freePort();
  const monolith = AppProcess.start('monolith', label, { ...COMMON_ENV, DATABASE_URL: databaseUrl, PORT: String(port), ...extraEnv });
  return started(label, port, { monolith }, async () => undefined);
}

/** A monolith on an embedded database kept in `folder` (EMBEDDED_DB_DIR), as `npm start` keeps it in .data/db; its stop leaves the folder. */
export async function startMonolithOnEmbeddedFolder(folder: string, label: string, extraEnv: Record<string, string> = {}): Promise<RunningTopology> {
  const port = await freePort();
  const monolith = AppProcess.start('monolith', label, { ...COMMON_ENV, EMBEDDED_DB_DIR: folder, PORT: String(port), ...extraEnv });
  return started(label, port, { monolith }, async () => undefined);
}

/** The contexts a split runs as processes of their own. */
export const CONTEXT_APPS = CONTEXT_NAMES;

/** The network transports a split can run on. */
export type SplitTransport = 'tcp' | 'nats' | 'rmq';

export interface SplitOptions {
  /** How many processes run a context (default one each), each at an address of its own over TCP; replicas need a shared Postgres. */
  replicas?: Partial<Record<ContextName, number>>;
  /** Added to every process's environment. */
  env?: Record<string, string>;
  /** Embedded databases on disk rather than in memory, for a test that restarts a process. */
  onDisk?: boolean;
  /** How many gateway processes serve the API (default one): `gateway`, `gateway-2`, ...; the first is the topology's baseUrl. */
  gateways?: number;
  /** Added to the environment of one process, by its name in `processes`. */
  processEnv?: Record<string, Record<string, string>>;
}

/** How the processes of one topology reach each other: the environment they share, and what one process adds to it. */
interface Wire {
  env: Record<string, string>;
  gatewayEnv: (gateway: number) => Record<string, string>;
  replicaEnv: (context: ContextName, replica: number) => Record<string, string>;
  remove: () => Promise<void>;
}

/**
 * How every process of one topology reaches the others: TRANSPORT and the
 * transport's addresses, a namespace of its own on a broker, and the cleanup of
 * that namespace. Over TCP each gateway process listens for its events on a
 * port of its own (`gatewayEnv(n)`), and every publisher knows them all; so
 * does each replica of a context (`replicaEnv`), and every client lists them
 * all. A broker that does not answer fails the start here, clearly.
 */
async function transportFor(transport: SplitTransport, label: string, gateways = 1, replicas: SplitOptions['replicas'] = {}): Promise<Wire> {
  const noReplicaEnv = () => ({});
  if (transport === 'tcp') {
    const env: Record<string, string> = { TRANSPORT: 'tcp' };
    const replicaAddresses: Partial<Record<ContextName, string[]>> = {};
    for (const context of CONTEXT_APPS) {
      const addresses: string[] = [];
      for (let replica = 1; replica <= (replicas[context] ?? 1); replica++) addresses.push(`127.0.0.1:${await freePort()}`);
      replicaAddresses[context] = addresses;
      env[`${context.toUpperCase()}_TCP_ADDRESS`] = addresses.join(',');
    }
    const gatewayAddresses: string[] = [];
    for (let gateway = 1; gateway <= gateways; gateway++) gatewayAddresses.push(`127.0.0.1:${await freePort()}`);
    env.GATEWAY_TCP_ADDRESSES = gatewayAddresses.join(',');
    return {
      env,
      gatewayEnv: (gateway) => ({ GATEWAY_TCP_ADDRESS: gatewayAddresses[gateway - 1] }),
      // A context with one address listens where it is reached, as a single-process deployment is configured.
      replicaEnv: (context, replica) =>
        replicaAddresses[context]!.length > 1 ? { [`${context.toUpperCase()}_TCP_LISTEN_ADDRESS`]: replicaAddresses[context]![replica - 1] } : {},
      remove: async () => undefined,
    };
  }
  await assertBrokerReachable(transport);
  const namespace = testNamespace(label);
  const gatewayEnv = () => ({});
  if (transport === 'nats') {
    return {
      env: { TRANSPORT: 'nats', NATS_URL: TEST_NATS_URL, MESSAGING_NAMESPACE: namespace },
      gatewayEnv,
      replicaEnv: noReplicaEnv,
      remove: () => removeNatsNamespace(namespace),
    };
  }
  return {
    env: { TRANSPORT: 'rmq', RABBITMQ_URL: TEST_RABBITMQ_URL, MESSAGING_NAMESPACE: namespace },
    gatewayEnv,
    replicaEnv: noReplicaEnv,
    remove: () => removeRabbitNamespace(namespace),
  };
}

/** One process of a topology: its name in `processes`, the app it runs and its environment. */
interface ProcessPlan {
  processName: string;
  app: AppName;
  env: Record<string, string>;
}

/** The name of a context's, or the gateway's, n-th process: `catalog`, then `catalog-2`, `catalog-3`. */
function replicaName(context: ContextName | 'gateway', replica: number): string {
  return replica === 1 ? context : `${context}-${replica}`;
}

/**
 * Starts the planned processes, each on an HTTP port of its own, and returns
 * once every one of them answers its readiness (`front`, which serves the API,
 * and each context process) and `front` reaches every context. If any of that fails, whatever started is stopped
 * and cleaned up again.
 */
async function startTopology(name: string, apps: ProcessPlan[], front: string, cleanups: (() => Promise<void>)[]): Promise<RunningTopology> {
  const processes: Record<string, AppProcess> = {};
  const ports: Record<string, number> = {};
  // Read at stop time: a test may have replaced a process with its restart.
  const stop = async () => {
    const failures: unknown[] = [];
    await Promise.all(Object.values(processes).map((p) => p.stop().catch((error) => failures.push(error))));
    // Every cleanup runs, whatever failed before it: a namespace or database left behind meets the next run.
    for (const cleanup of cleanups) await cleanup().catch((error) => failures.push(error));
    if (failures.length > 0) throw failures[0];
  };
  try {
    for (const { processName, app, env } of apps) {
      ports[processName] = await freePort();
      processes[processName] = AppProcess.start(app, `${name}-${processName}`, { ...env, PORT: String(ports[processName]) });
    }
    const all = Object.values(processes);
    await Promise.all(Object.keys(processes).map((processName) => waitForStatus(`http://127.0.0.1:${ports[processName]}/health/ready`, 200, all)));
    await untilEveryContextAnswers(`http://127.0.0.1:${ports[front]}`);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return { name, baseUrl: `http://127.0.0.1:${ports[front]}`, processes, stop };
}

/**
 * Waits until the process serving the API reaches every context it calls:
 * readiness is about a process's own resources, so each process being ready
 * does not yet mean that the front has found the others.
 */
export async function untilEveryContextAnswers(baseUrl: string): Promise<void> {
  await untilPasses(
    async () => {
      const { contexts } = (await (await fetch(`${baseUrl}/health/contexts`)).json()) as { contexts: Record<string, { status: string }> };
      const notUp = Object.entries(contexts).filter(([, reach]) => reach.status !== 'up');
      if (notUp.length > 0) throw new Error(`${baseUrl} does not reach ${notUp.map(([context, reach]) => `${context} (${reach.status})`).join(', ')} yet`);
    },
    60_000,
    200,
  );
}

/**
 * The gateway and each context as processes of their own over `transport`
 * (a replicated context as several, `catalog`, `catalog-2`, ...); nothing but
 * environment differs from the monolith. On Postgres every process of a
 * context shares the context's database; embedded, each process has its own.
 */
export async function startSplit(database: Database, transport: SplitTransport, options: SplitOptions = {}): Promise<RunningTopology> {
  const replicated = Object.entries(options.replicas ?? {}).filter(([, count]) => (count ?? 1) > 1);
  if (replicated.length > 0 && database === 'embedded')
    throw new Error(`Replicas of ${replicated.map(([context]) => context).join(', ')} must share a database: use Postgres`);
  const name = `${transport}-split-${database}`;
  const gateways = options.gateways ?? 1;
  const wire = await transportFor(transport, `${transport}-split`, gateways, options.replicas);
  const db = await databaseFor(database, options.onDisk).catch(async (error) => {
    await wire.remove();
    throw error;
  });
  const shared = { ...COMMON_ENV, ...wire.env, ...options.env };
  const apps: ProcessPlan[] = [];
  for (const context of CONTEXT_APPS) {
    for (let replica = 1; replica <= (options.replicas?.[context] ?? 1); replica++) {
      const processName = replicaName(context, replica);
      apps.push({
        processName,
        app: context,
        env: { ...shared, ...wire.replicaEnv(context, replica), ...db.env(processName), ...options.processEnv?.[processName] },
      });
    }
  }
  for (let gateway = 1; gateway <= gateways; gateway++) {
    const processName = replicaName('gateway', gateway);
    apps.push({ processName, app: 'gateway', env: { ...shared, ...wire.gatewayEnv(gateway), ...options.processEnv?.[processName] } });
  }
  return startTopology(name, apps, 'gateway', [wire.remove, db.drop]);
}

/** The gateway and each context as processes of their own over TCP (five, without replicas): startSplit on TCP. */
export function startTcpSplit(database: Database, options: SplitOptions = {}): Promise<RunningTopology> {
  return startSplit(database, 'tcp', options);
}

/**
 * The monolith hosting every context but `extracted` (CONTEXTS), which run as
 * processes of their own, reached over `transport`: ARCHITECTURE.md's
 * "extracting ordering". The monolith serves the HTTP API.
 */
export async function startMonolithWithExtracted(
  database: Database,
  transport: SplitTransport,
  extracted: ContextName[],
  options: Pick<SplitOptions, 'env'> = {},
): Promise<RunningTopology> {
  const name = `monolith-without-${extracted.join('-')}-over-${transport}-${database}`;
  const wire = await transportFor(transport, `${transport}-extracted`);
  const db = await databaseFor(database).catch(async (error) => {
    await wire.remove();
    throw error;
  });
  const shared = { ...COMMON_ENV, ...wire.env, ...options.env };
  const hosted = CONTEXT_APPS.filter((context) => !extracted.includes(context));
  const apps: ProcessPlan[] = [
    { processName: 'monolith', app: 'monolith', env: { ...shared, ...wire.gatewayEnv(1), ...db.env('monolith'), CONTEXTS: hosted.join(',') } },
    ...extracted.map((context) => ({ processName: context, app: context as AppName, env: { ...shared, ...db.env(context) } })),
  ];
  return startTopology(name, apps, 'monolith', [wire.remove, db.drop]);
}

/** What a topology needs besides the build: a real Postgres, a NATS server, a RabbitMQ server, a Redis server. */
/** The databases a suite runs on: always the embedded one; real Postgres too with CI=true or TEST_POSTGRES_URL. */
export function databasesUnderTest(): Database[] {
  return realPostgresWanted() ? ['embedded', 'postgres'] : ['embedded'];
}
