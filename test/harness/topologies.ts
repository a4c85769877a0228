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

/** Database settings for one process: its own in-memory embedded database, or the shared test database. */
async function databaseFor(database: Database): Promise<{ env: (label: string) => Record<string, string>; drop: () => Promise<void> }> {
  if (database === 'embedded') return { env: () => ({ EMBEDDED_DB_DIR: 'memory' }), drop: async () => undefined };
  const db = await createTestDatabase();
  return { env: () => ({ DATABASE_URL: db.url }), drop: db.drop };
}

async function started(name: string, gatewayPort: number, processes: Record<string, AppProcess>, drop: () => Promise<void>): Promise<RunningTopology> {
  const all = Object.values(processes);
  const stop = async () => {
    await Promise.all(all.map((p) => p.stop()));
    await drop();
  };
  try {
    await waitForStatus(`http://127.0.0.1:${gatewayPort}/health/ready`, 200, all);
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

/** Gateway, users and catalog as three processes over TCP; nothing but environment differs from the monolith. */
export async function startTcpSplit(database: Database): Promise<RunningTopology> {
  const name = `tcp-split-${database}`;
  const db = await databaseFor(database);
  const [gatewayPort, usersPort, catalogPort, usersTcp, catalogTcp] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
  const addresses = { USERS_TCP_ADDRESS: `127.0.0.1:${usersTcp}`, CATALOG_TCP_ADDRESS: `127.0.0.1:${catalogTcp}`, TRANSPORT: 'tcp' };
  const processes = {
    users: AppProcess.start('users', `${name}-users`, { ...COMMON_ENV, ...db.env('users'), ...addresses, PORT: String(usersPort) }),
    catalog: AppProcess.start('catalog', `${name}-catalog`, { ...COMMON_ENV, ...db.env('catalog'), ...addresses, PORT: String(catalogPort) }),
    gateway: AppProcess.start('gateway', `${name}-gateway`, { ...COMMON_ENV, ...addresses, PORT: String(gatewayPort) }),
  };
  return started(name, gatewayPort, processes, db.drop);
}

/** The databases a suite runs on: always the embedded one; real Postgres too with CI=true or TEST_POSTGRES_URL. */
export function databasesUnderTest(): Database[] {
  return realPostgresWanted() ? ['embedded', 'postgres'] : ['embedded'];
}
