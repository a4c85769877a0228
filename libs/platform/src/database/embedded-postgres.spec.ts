import { ConfigurationError } from '@tessera/messaging/start-refusal';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE_NAME } from './embedded-database.lock';
import { EmbeddedPostgres } from './embedded-postgres';

// The temporary folder as an unwritable one would answer: the real one is shared by every test of the machine.
jest.mock('./socket-folder', () => ({
  newSocketFolder: () => {
    throw Object.assign(new Error("EACCES: permission denied, mkdtemp 'tessera-pg-1-XXXXXX'"), { code: 'EACCES' });
  },
}));

describe('EmbeddedPostgres.start', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-embedded-start-'));

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('names the temporary folder it could not make its socket in, and leaves the database folder free', async () => {
    const dataDir = join(scratch, 'db');

    const refusal = await EmbeddedPostgres.start(dataDir).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect((refusal as Error).message).toContain(`its socket folder could not be made in ${tmpdir()} (TMPDIR): EACCES: permission denied`);
    expect(existsSync(join(dataDir, LOCK_FILE_NAME))).toBe(false);
  });
});
