import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './processes';

const run = promisify(execFile);

/**
 * A copy of the repository in a new temporary folder, for a test that
 * changes sources or builds: its files as they are now, committed or not,
 * with node_modules linked rather than copied. `remove` deletes it.
 */
export async function copyRepository(label: string): Promise<{ path: string; remove: () => void }> {
  const path = mkdtempSync(join(tmpdir(), `tessera-${label}-`));
  const { stdout } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, maxBuffer: 64 << 20 });
  // A node_modules that is a link is no folder to git's ignore rules: it is linked below, like any other.
  const files = stdout.split('\0').filter((file) => file && file !== 'node_modules' && existsSync(join(ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(path, file)), { recursive: true });
    cpSync(join(ROOT, file), join(path, file));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(path, 'node_modules'), 'dir');
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
