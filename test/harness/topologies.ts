import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, freePort, waitForStatus } from './processes';
import { createTestDatabase, realPostgresWanted } from './postgres';

export const TEST_JWT_SECRET = 'e2e-secret-that-is-long-enough-for-hs256';
export const TEST_ADMIN = { email: 'admin@e2e.test', password: 'admin-e2e-password' };
export const ALLOWED_ORIGIN = 'https://shop.example';

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

const CONTEXT_APPS = ['users', 'catalog', 'ordering', 'payments'] as const;

/** The gateway and each context as a process of its own over TCP; nothing but environment differs from the monolith. */
export async function startTcpSplit(database: Database, options: { onDisk?: boolean } = {}): Promise<RunningTopology> {
  const name = `tcp-split-${database}`;
  const db = await databaseFor(database, options.onDisk);
  const tcpPorts = await Promise.all(CONTEXT_APPS.map(() => freePort()));
  const addresses: Record<string, string> = { TRANSPORT: 'tcp' };
  CONTEXT_APPS.forEach((context, i) => (addresses[`${context.toUpperCase()}_TCP_ADDRESS`] = `127.0.0.1:${tcpPorts[i]}`));
  const processes: Record<string, AppProcess> = {};
  for (const context of CONTEXT_APPS) {
    processes[context] = AppProcess.start(context, `${name}-${context}`, { ...COMMON_ENV, ...db.env(context), ...addresses, PORT: String(await freePort()) });
  }
  const gatewayPort = await freePort();
  processes.gateway = AppProcess.start('gateway', `${name}-gateway`, { ...COMMON_ENV, ...addresses, PORT: String(gatewayPort) });
  return started(name, gatewayPort, processes, db.drop);
}

/** The databases a suite runs on: always the embedded one; real Postgres too with CI=true or TEST_POSTGRES_URL. */
export function databasesUnderTest(): Database[] {
  return realPostgresWanted() ? ['embedded', 'postgres'] : ['embedded'];
}
