import { DependencyUnavailableError, untrustedCertificateRefusal, withoutPassword } from '@tessera/messaging';
import { Client } from 'pg';
import { DataSource, DataSourceOptions } from 'typeorm';

/**
 * How long a context waits for its Postgres at start: a server that is
 * restarting gets a few tries, a wrong URL ends the start within 3 s of the
 * first try. One try waits at most DATABASE_CONNECT_TIMEOUT_MS, so a server
 * that does not answer at all costs one try; a refused connection is tried
 * again every DATABASE_RETRY_PAUSE_MS while the budget lasts. A missing
 * database, refused credentials or a certificate this process does not take
 * (a TLS DATABASE_URL) fail at the first answer.
 */
export const DATABASE_START_BUDGET_MS = 1500;
export const DATABASE_CONNECT_TIMEOUT_MS = 1500;
export const DATABASE_RETRY_PAUSE_MS = 250;

// Postgres's answers that no retry changes: the database does not exist, the credentials are refused.
const DATABASE_MISSING = '3D000';
const PERMANENT_CODES = new Set([DATABASE_MISSING, '28P01', '28000']);

/** Where a context's database is configured: the variable that holds its URL, and the URL. */
export interface DatabaseSetting {
  variable: string;
  url: string;
}

/**
 * Initialises a DataSource on a Postgres server once a connection of its own
 * proves the server there, tried again while the start budget lasts when it
 * cannot be reached; refuses the start with one sentence that says what to
 * fix when it cannot. The connect timeout is the probe's alone: the
 * DataSource's pool keeps the driver's own for the life of the process.
 */
export async function initializeOnServer(
  options: DataSourceOptions,
  setting: DatabaseSetting,
  budget: { budgetMs: number; pauseMs: number; connectTimeoutMs: number } = {
    budgetMs: DATABASE_START_BUDGET_MS,
    pauseMs: DATABASE_RETRY_PAUSE_MS,
    connectTimeoutMs: DATABASE_CONNECT_TIMEOUT_MS,
  },
): Promise<DataSource> {
  const deadline = Date.now() + budget.budgetMs;
  for (;;) {
    const probe = new Client({ connectionString: setting.url, connectionTimeoutMillis: budget.connectTimeoutMs });
    try {
      await probe.connect();
      break;
    } catch (error) {
      const code = (error as { code?: string }).code;
      const untrusted = untrustedCertificateRefusal(error, `Postgres at ${withoutPassword(setting.url)}`, setting.variable);
      if (untrusted) throw untrusted;
      if ((code && PERMANENT_CODES.has(code)) || deadline - Date.now() <= budget.pauseMs) throw databaseRefusal(error, setting, budget.budgetMs);
    } finally {
      await probe.end().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, budget.pauseMs));
  }
  return new DataSource(options).initialize();
}

/** The sentence a start ends with when a context's database is not there. */
export function databaseRefusal(error: unknown, { variable, url }: DatabaseSetting, budgetMs: number): DependencyUnavailableError {
  const { code, message } = error as { code?: string; message?: string };
  const shown = withoutPassword(url);
  if (code === DATABASE_MISSING) {
    const { hostname, port, username, pathname } = new URL(url);
    const name = decodeURIComponent(pathname.slice(1));
    const createdb = ['createdb', `-h ${hostname}`, port ? `-p ${port}` : '', username ? `-U ${decodeURIComponent(username)}` : '', name]
      .filter(Boolean)
      .join(' ');
    return new DependencyUnavailableError(
      `the database "${name}" of ${variable}=${shown} does not exist: create it (${createdb}) or set ${variable} to one that does`,
    );
  }
  if (code && PERMANENT_CODES.has(code))
    return new DependencyUnavailableError(`Postgres at ${shown} refused ${variable}'s credentials (${message}): fix the user or password in ${variable}`);
  return new DependencyUnavailableError(
    `Postgres at ${shown} did not accept a connection within ${budgetMs / 1000} s (${code ?? message}): start it, or set ${variable} to where it runs`,
  );
}
