import { ERROR_CODES } from '@tessera/contracts';
import { DomainError } from '@tessera/shared-kernel';
import { createServer, type AddressInfo } from 'node:net';
import { Client } from 'pg';
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';
import { errorPayloadOf, isUnexpectedFailure } from './error-payload';

/** What node-postgres throws connecting to a port where nothing listens. */
async function refusedConnection(): Promise<unknown> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return new Client({ host: '127.0.0.1', port, user: 'nobody' }).connect().then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** A server error as node-postgres raises it, wrapped by TypeORM as a failed query. */
function failedQuery(sqlState: string, message: string): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code: sqlState }));
}

describe('a database that cannot serve now', () => {
  it('is told apart from a failure of the request', async () => {
    expect(isDatabaseUnavailable(await refusedConnection())).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('08006', 'connection failure'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('53300', 'sorry, too many clients already'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('53100', 'could not extend file "base/16384/16385": No space left on device'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('53200', 'out of memory'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('57014', 'canceling statement due to statement timeout'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('25P03', 'terminating connection due to idle-in-transaction timeout'))).toBe(true);
    expect(isDatabaseUnavailable(failedQuery('25006', 'cannot execute INSERT in a read-only transaction'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable(new QueryRunnerAlreadyReleasedError())).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('database "shop" is not currently accepting connections'), { code: '55000' }))).toBe(true);

    expect(isDatabaseUnavailable(failedQuery('42601', 'syntax error at or near "SELEC"'))).toBe(false);
    expect(isDatabaseUnavailable(failedQuery('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    // A limit the statement itself goes over fails it wherever and whenever it runs.
    expect(isDatabaseUnavailable(failedQuery('53400', 'temporary file size exceeds temp_file_limit (1024kB)'))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError("Cannot read properties of undefined (reading 'id')"))).toBe(false);
    expect(isDatabaseUnavailable(new DomainError(ERROR_CODES.ORDER_NOT_FOUND, 'No such order'))).toBe(false);
  });

  it('answers CONTEXT_UNAVAILABLE, which a caller may retry, without the SQL or the host, and is still logged', async () => {
    const refused = await refusedConnection();

    expect(errorPayloadOf(refused)).toEqual({ code: ERROR_CODES.CONTEXT_UNAVAILABLE, message: 'The database this request needs is unavailable' });
    expect(errorPayloadOf(failedQuery('42601', 'syntax error'))).toEqual({ code: ERROR_CODES.INTERNAL, message: 'The request could not be completed' });
    expect(isUnexpectedFailure(refused)).toBe(true);
  });
});
