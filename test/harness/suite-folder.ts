import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A temporary folder for the suite this is called in, named `<prefix>…`: made in its beforeAll and removed in its
 * afterAll. Not made in the describe's body, which runs even when the describe is skipped (a bare npm test skips the
 * suites that need outside services), while its afterAll then does not, and would leave the folder behind.
 * Returns the folder's path, for the suite's hooks and tests.
 */
export function suiteFolder(prefix: string): () => string {
  let folder: string | undefined;
  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => {
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  return () => {
    if (!folder) throw new Error(`suiteFolder('${prefix}') is read before its suite's beforeAll made it`);
    return folder;
  };
}
