import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEnvFile, loadEnvFileOrExit } from './env-file';

describe('the .env file', () => {
  let dir: string;

  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tessera-env-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function envFile(text: string): string {
    const path = join(dir, '.env');
    writeFileSync(path, text);
    return path;
  }

  it('fills in what the environment does not set, and the environment wins over it', () => {
    const path = envFile('# local settings\nPORT=4100\nHOST=0.0.0.0\nLOG_FORMAT="json"\nDATABASE_URL=postgres://postgres@127.0.0.1:5432/dev\n');
    const env: NodeJS.ProcessEnv = { PORT: '3000', HOST: '' };
    expect(loadEnvFile(path, env).sort()).toEqual(['DATABASE_URL', 'LOG_FORMAT']);
    expect(env).toEqual({ PORT: '3000', HOST: '', LOG_FORMAT: 'json', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/dev' });
  });

  // Windows editors (Notepad, and VS Code with "UTF-8 with BOM") start a file with a byte order mark, which would
  // otherwise be part of the first name.
  it('reads the first line of a file saved with a byte order mark', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(loadEnvFile(envFile('\uFEFFPORT=4100\r\nLOG_LEVEL=debug\r\n'), env).sort()).toEqual(['LOG_LEVEL', 'PORT']);
    expect(env).toEqual({ PORT: '4100', LOG_LEVEL: 'debug' });
  });

  it('changes nothing when there is no file', () => {
    const env: NodeJS.ProcessEnv = { PORT: '3000' };
    expect(loadEnvFile(join(dir, '.env'), env)).toEqual([]);
    expect(env).toEqual({ PORT: '3000' });
  });

  it('names the file that is there but cannot be read', () => {
    expect(() => loadEnvFile(dir, {})).toThrow(`${dir} could not be read: EISDIR`);
  });

  // README, "Configuration": a configuration that only a change mends ends with 78 (EX_CONFIG), so a supervisor stops
  // restarting it.
  it('ends the start with one line and exit code 78 when the file is there but cannot be read', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(() => undefined as never);
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      loadEnvFileOrExit(dir);
      expect(exit).toHaveBeenCalledWith(78);
      expect(stderr).toHaveBeenCalledWith(`\nTessera could not start: ${dir} could not be read: EISDIR: illegal operation on a directory, read\n\n`);
    } finally {
      exit.mockRestore();
      stderr.mockRestore();
    }
  });
});
