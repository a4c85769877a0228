import { resolve } from 'node:path';
import type { EmbeddedPostgres, StartLog } from './embedded-postgres';
import { closeUnusedEarlyEmbeddedDatabase, embeddedDatabaseToOpenEarly, openEmbeddedDatabaseEarly, takeEarlyEmbeddedDatabase } from './early-embedded-database';

const start = jest.fn();
jest.mock('./embedded-postgres', () => ({ EmbeddedPostgres: { start: (...args: unknown[]) => start(...args) } }));

describe('embeddedDatabaseToOpenEarly', () => {
  it('opens the folder of EMBEDDED_DB_DIR, or .data/db, for a monolith that names no database server', () => {
    expect(embeddedDatabaseToOpenEarly('monolith', {})).toBe(resolve('.data/db'));
    expect(embeddedDatabaseToOpenEarly('monolith', { EMBEDDED_DB_DIR: 'somewhere/else', REDIS_URL: 'redis://127.0.0.1' })).toBe(resolve('somewhere/else'));
    expect(embeddedDatabaseToOpenEarly('monolith', { EMBEDDED_DB_DIR: 'memory' })).toBe('memory');
  });

  it('leaves the database to the configuration when a monolith names a server for any context, even with an empty value', () => {
    for (const env of [{ DATABASE_URL: 'postgres://db/shop' }, { PAYMENTS_DATABASE_URL: 'postgres://db/payments' }, { DATABASE_URL: '' }]) {
      expect(embeddedDatabaseToOpenEarly('monolith', env)).toBeUndefined();
    }
  });

  it('leaves a monolith given CONTEXTS to the configuration, which decides what it hosts', () => {
    expect(embeddedDatabaseToOpenEarly('monolith', { CONTEXTS: 'catalog' })).toBeUndefined();
    expect(embeddedDatabaseToOpenEarly('monolith', { CONTEXTS: '' })).toBeUndefined();
  });

  it("opens a context's database unless its own URL or DATABASE_URL names a server", () => {
    expect(embeddedDatabaseToOpenEarly({ context: 'catalog' }, { USERS_DATABASE_URL: 'postgres://db/users' })).toBe(resolve('.data/db'));
    expect(embeddedDatabaseToOpenEarly({ context: 'catalog' }, { CATALOG_DATABASE_URL: 'postgres://db/catalog' })).toBeUndefined();
    expect(embeddedDatabaseToOpenEarly({ context: 'catalog' }, { DATABASE_URL: 'postgres://db/shop' })).toBeUndefined();
  });

  it('opens nothing for an empty EMBEDDED_DB_DIR, which the configuration refuses', () => {
    expect(embeddedDatabaseToOpenEarly('monolith', { EMBEDDED_DB_DIR: '' })).toBeUndefined();
  });
});

describe('a database opened early', () => {
  const database = { stop: jest.fn(async () => undefined) } as unknown as EmbeddedPostgres;
  const appLog = () => ({ log: jest.fn(), warn: jest.fn() }) satisfies StartLog;

  beforeEach(() => {
    start.mockReset();
    (database.stop as jest.Mock).mockClear();
  });

  // Whatever a test left open early is not the next test's to take over.
  afterEach(() => closeUnusedEarlyEmbeddedDatabase(appLog()));

  it('is taken over once, by the app that asks for the same folder however it is written, with the lines its start held', async () => {
    start.mockImplementation(async (_dir: string, { startLog }: { startLog: StartLog }) => {
      startLog.log('Made a new database in the folder');
      return database;
    });
    openEmbeddedDatabaseEarly('monolith', { EMBEDDED_DB_DIR: 'early-folder' });
    expect(start).toHaveBeenCalledWith(resolve('early-folder'), expect.anything());
    await Promise.resolve();

    const log = appLog();
    expect(takeEarlyEmbeddedDatabase('another-folder', log)).toBeUndefined();
    const taken = takeEarlyEmbeddedDatabase('./early-folder/../early-folder', log);

    await expect(taken).resolves.toBe(database);
    expect(log.log).toHaveBeenCalledWith('Made a new database in the folder');
    expect(takeEarlyEmbeddedDatabase('early-folder', appLog())).toBeUndefined();
  });

  it('hands over its failure to the app that takes it over, and to nobody before', async () => {
    const refusal = new Error('the embedded database in early-folder is in use by process 42');
    start.mockImplementation(async () => {
      throw refusal;
    });
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      openEmbeddedDatabaseEarly('monolith', { EMBEDDED_DB_DIR: 'memory' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
      await expect(takeEarlyEmbeddedDatabase('memory', appLog())).rejects.toBe(refusal);
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('opens once per process, however often it is asked', () => {
    start.mockResolvedValue(database);
    openEmbeddedDatabaseEarly('monolith', { EMBEDDED_DB_DIR: 'memory' });
    openEmbeddedDatabaseEarly({ context: 'catalog' }, { EMBEDDED_DB_DIR: 'memory' });
    expect(start).toHaveBeenCalledTimes(1);
  });

  it('is closed, saying so, when the app opened another folder, so that it does not stay locked by this process', async () => {
    start.mockResolvedValue(database);
    openEmbeddedDatabaseEarly('monolith', { EMBEDDED_DB_DIR: 'early-folder' });
    expect(takeEarlyEmbeddedDatabase('another-folder', appLog())).toBeUndefined();

    const log = appLog();
    await closeUnusedEarlyEmbeddedDatabase(log);

    expect(database.stop).toHaveBeenCalledTimes(1);
    expect(log.warn).toHaveBeenCalledWith(`Closed the embedded database opened early in ${resolve('early-folder')}, which the app did not use`);
  });

  it('opens nothing where the configuration names a database server', () => {
    openEmbeddedDatabaseEarly('monolith', { DATABASE_URL: 'postgres://db/shop' });
    expect(start).not.toHaveBeenCalled();
  });
});
