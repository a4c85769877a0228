import { DependencyUnavailableError } from '@tessera/messaging';
import { startTlsServer, testCertificates } from '../../../../test/harness/test-certificates';
import { databaseRefusal, DATABASE_CONNECT_TIMEOUT_MS, DATABASE_RETRY_PAUSE_MS, DATABASE_START_BUDGET_MS, initializeOnServer } from './database-start';

const setting = { variable: 'CATALOG_DATABASE_URL', url: 'postgres://shop:s3cret@db.internal:6543/tessera_catalog' };

describe('databaseRefusal', () => {
  it('says how to create a database that does not exist', () => {
    const refusal = databaseRefusal(Object.assign(new Error('database "tessera_catalog" does not exist'), { code: '3D000' }), setting, 1500);
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect(refusal.message).toBe(
      'the database "tessera_catalog" of CATALOG_DATABASE_URL=postgres://shop@db.internal:6543/tessera_catalog does not exist: create it (createdb -h db.internal -p 6543 -U shop tessera_catalog) or set CATALOG_DATABASE_URL to one that does',
    );
  });

  it('names the variable whose credentials were refused, never the password', () => {
    const refusal = databaseRefusal(Object.assign(new Error('password authentication failed for user "shop"'), { code: '28P01' }), setting, 1500);
    expect(refusal.message).toMatch(/^Postgres at postgres:\/\/shop@db.internal:6543\/tessera_catalog refused CATALOG_DATABASE_URL's credentials/);
    expect(refusal.message).not.toContain('s3cret');
  });

  it('says where nothing answered and what to set', () => {
    const refusal = databaseRefusal(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), setting, 1500);
    expect(refusal.message).toBe(
      'Postgres at postgres://shop@db.internal:6543/tessera_catalog did not accept a connection within 1.5 s (ECONNREFUSED): start it, or set CATALOG_DATABASE_URL to where it runs',
    );
  });
});

describe('initializeOnServer', () => {
  it('keeps the start within 3 s: one try that hangs, or refusals spaced by the pause, end inside the budget', () => {
    expect(DATABASE_START_BUDGET_MS + DATABASE_RETRY_PAUSE_MS).toBeLessThanOrEqual(3000);
    expect(DATABASE_CONNECT_TIMEOUT_MS).toBeLessThanOrEqual(DATABASE_START_BUDGET_MS);
  });

  it('refuses the start, tries spent, when nothing listens at the URL', async () => {
    // Port 1 on the loopback: nothing listens there, so each try is refused at once.
    const url = 'postgres://postgres@127.0.0.1:1/tessera';
    const refusal = await initializeOnServer(
      { type: 'postgres', url },
      { variable: 'DATABASE_URL', url },
      { budgetMs: 100, pauseMs: 20, connectTimeoutMs: 500 },
    ).catch((error: Error) => error);
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect((refusal as Error).message).toContain('(ECONNREFUSED): start it, or set DATABASE_URL to where it runs');
  });

  it('refuses the start at the first answer when the server presents a certificate a private authority signed, saying what to trust', async () => {
    const certificates = await testCertificates();
    const server = await startTlsServer(certificates, { postgres: true });
    try {
      const url = `postgres://shop:s3cret@127.0.0.1:${server.port}/tessera?sslmode=verify-full`;
      const refusal = await initializeOnServer(
        { type: 'postgres', url },
        { variable: 'DATABASE_URL', url },
        { budgetMs: 2000, pauseMs: 10, connectTimeoutMs: 1000 },
      ).catch((error: Error) => error);
      expect(refusal).toBeInstanceOf(DependencyUnavailableError);
      expect((refusal as Error).message).toBe(
        `Postgres at postgres://shop@127.0.0.1:${server.port}/tessera?sslmode=verify-full presented a certificate signed by an authority this process does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE): set NODE_EXTRA_CA_CERTS to the PEM file of that authority`,
      );
    } finally {
      await server.close();
      certificates.remove();
    }
    // openssl makes two RSA keys first: seconds on a busy machine.
  }, 30_000);
});
