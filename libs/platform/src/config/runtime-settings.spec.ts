import { Logger } from '@nestjs/common';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { untilPasses } from '../../../../test/harness/eventually';
import { configLastReloadSuccessful, configLastReloadSuccessTimestamp } from './config-reload-metrics';
import { RuntimeSettings } from './runtime-settings';

describe('RuntimeSettings', () => {
  let dir: string;
  let file: string;
  let settings: RuntimeSettings | undefined;
  let infoLines: unknown[];
  let errorLines: unknown[];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tessera-settings-'));
    file = join(dir, 'settings.yaml');
    infoLines = [];
    errorLines = [];
    jest.spyOn(Logger.prototype, 'log').mockImplementation((message) => void infoLines.push(message));
    jest.spyOn(Logger.prototype, 'error').mockImplementation((message) => void errorLines.push(message));
  });

  afterEach(() => {
    settings?.onApplicationShutdown();
    settings = undefined;
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  function startWith(text: string, env: Record<string, string> = {}): RuntimeSettings {
    writeFileSync(file, text);
    settings = RuntimeSettings.fromEnvironment({ ...env, CONFIG_FILE: file });
    return settings;
  }

  /** As editors and `kubectl cp` save: a new file renamed over the old one, which a watch on the old file would miss. */
  function renameWrite(text: string): void {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }

  it("puts the file's settings over the environment's, and the environment's over the defaults", () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n', { LOG_LEVEL: 'warn', RATE_LIMIT_PER_MINUTE: '50' });
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(5);
    expect(started.get('LOG_LEVEL')).toBe('warn');
    expect(started.get('REQUEST_TIMEOUT_MS')).toBe(5000);
  });

  it('applies a valid change, telling subscribers and logging one line with the old and new values', () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n');
    const heard = jest.fn();
    started.onChange(heard);
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 7\nLOG_LEVEL: debug\n');

    expect(started.reload()).toEqual([
      { name: 'RATE_LIMIT_PER_MINUTE', from: 5, to: 7 },
      { name: 'LOG_LEVEL', from: 'info', to: 'debug' },
    ]);
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(7);
    expect(heard).toHaveBeenCalledTimes(1);
    expect(infoLines).toEqual([
      expect.objectContaining({
        msg: `CONFIG_FILE ${file} applied: RATE_LIMIT_PER_MINUTE 5 -> 7, LOG_LEVEL info -> debug`,
        changes: { RATE_LIMIT_PER_MINUTE: { from: 5, to: 7 }, LOG_LEVEL: { from: 'info', to: 'debug' } },
      }),
    ]);
  });

  it('writes the change line under the more verbose of the old and new LOG_LEVEL', () => {
    const started = startWith('LOG_LEVEL: warn\n');
    const order: string[] = [];
    started.onChange((current) => order.push(`level ${current.LOG_LEVEL}`));
    (Logger.prototype.log as jest.Mock).mockImplementation(() => void order.push('logged'));

    writeFileSync(file, 'LOG_LEVEL: info\n');
    started.reload();
    writeFileSync(file, 'LOG_LEVEL: error\n');
    started.reload();

    expect(order).toEqual(['level info', 'logged', 'logged', 'level error']);
  });

  it('gives a key taken out of the file back to the environment', () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n', { RATE_LIMIT_PER_MINUTE: '50' });
    writeFileSync(file, '{}\n');
    expect(started.reload()).toEqual([{ name: 'RATE_LIMIT_PER_MINUTE', from: 5, to: 50 }]);
  });

  it('takes an empty file as a save in place under way, so a refused save still keeps the settings it had', () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n', { RATE_LIMIT_PER_MINUTE: '50' });
    writeFileSync(file, '');
    expect(started.reload()).toEqual([]);
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(5);
    expect(infoLines).toEqual([expect.stringMatching(/is empty: taken as a save under way, the settings stay as they were/)]);

    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 6\nJWT_SECRET: a-secret-that-is-long-enough\n');
    expect(started.reload()).toEqual([]);
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(5);

    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 6\n');
    expect(started.reload()).toEqual([{ name: 'RATE_LIMIT_PER_MINUTE', from: 5, to: 6 }]);
  });

  it('refuses an invalid file whole, in one line naming the key, and keeps the settings it had', () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n');
    const heard = jest.fn();
    started.onChange(heard);
    writeFileSync(file, 'LOG_LEVEL: debug\nRATE_LIMIT_PER_MINUTE: -3\n');

    expect(started.reload()).toEqual([]);
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(5);
    expect(started.get('LOG_LEVEL')).toBe('info');
    expect(heard).not.toHaveBeenCalled();
    expect(errorLines).toEqual([`CONFIG_FILE ${file} refused, the settings stay as they were: RATE_LIMIT_PER_MINUTE must be greater than or equal to 1`]);
    started.reload();
    expect(errorLines).toHaveLength(1);
  });

  // The watch on the directory and the poll of the file each hear it go: the refusal was logged twice.
  it('says once that a file deleted or replaced by a directory cannot be read, and applies it once it is back', () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n');
    rmSync(file);
    expect(started.reload()).toEqual([]);
    expect(started.reload()).toEqual([]);
    mkdirSync(file);
    started.reload();
    started.reload();
    expect(errorLines).toEqual([
      `CONFIG_FILE ${file} refused, the settings stay as they were: cannot be read: ENOENT`,
      `CONFIG_FILE ${file} refused, the settings stay as they were: cannot be read: EISDIR`,
    ]);
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(5);

    rmSync(file, { recursive: true });
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 6\n');
    expect(started.reload()).toEqual([{ name: 'RATE_LIMIT_PER_MINUTE', from: 5, to: 6 }]);
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 0\n');
    started.reload();
    rmSync(file);
    started.reload();
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 0\n');
    started.reload();
    expect(errorLines.slice(2)).toEqual([
      expect.stringMatching(/RATE_LIMIT_PER_MINUTE must be greater than or equal to 1$/),
      expect.stringMatching(/cannot be read: ENOENT$/),
      expect.stringMatching(/RATE_LIMIT_PER_MINUTE must be greater than or equal to 1$/),
    ]);
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(6);
  });

  // What an alert watches: a refusal is logged as an error, which LOG_LEVEL=silent (or a log nobody reads) hides.
  it('says in config_last_reload_successful whether the settings in force are the file as it reads now', async () => {
    const gauge = async () => (await configLastReloadSuccessful.get()).values[0]?.value;
    const appliedAt = async () => (await configLastReloadSuccessTimestamp.get()).values[0]?.value;
    const clock = jest.spyOn(Date, 'now').mockReturnValue(1_000_000);
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n', { LOG_LEVEL: 'silent' });
    expect([await gauge(), await appliedAt()]).toEqual([1, 1_000]);

    clock.mockReturnValue(2_000_000);
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: -3\n');
    started.reload();
    started.reload();
    expect([await gauge(), await appliedAt()]).toEqual([0, 1_000]);

    // Taken back: the settings it had, so nothing moves, and the file is in force again.
    clock.mockReturnValue(3_000_000);
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 5\n');
    expect(started.reload()).toEqual([]);
    expect([await gauge(), await appliedAt()]).toEqual([1, 3_000]);

    rmSync(file);
    started.reload();
    expect([await gauge(), await appliedAt()]).toEqual([0, 3_000]);
  });

  it('refuses a file that sets a secret or the topology, and keeps the settings it had', () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n');
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 6\nDATABASE_URL: postgres://db/shop\n');
    started.reload();
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(5);
    expect(errorLines).toEqual([
      expect.stringMatching(/refused, the settings stay as they were: DATABASE_URL is not a runtime setting: set it in the environment and restart$/),
    ]);
  });

  it('refuses to start on an invalid file', () => {
    expect(() => startWith('RATE_LIMIT_PER_MINUTE: lots\n')).toThrow(/RATE_LIMIT_PER_MINUTE must be a number/);
  });

  it('applies a change saved while the app was starting, before the watch began', () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n');
    writeFileSync(file, 'RATE_LIMIT_PER_MINUTE: 6\n');
    started.onApplicationBootstrap();
    expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(6);
  });

  // Each waits for the watcher (events, or its poll each second): more than jest's 5 s default may pass on a busy machine.
  it('picks up a file renamed over the watched one once the app is up', async () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n');
    started.onApplicationBootstrap();
    renameWrite('RATE_LIMIT_PER_MINUTE: 9\n');
    await untilPasses(() => expect(started.get('RATE_LIMIT_PER_MINUTE')).toBe(9));
  }, 15_000);

  it('picks up a Kubernetes ConfigMap update, which swaps the ..data symlink the file points through', async () => {
    const version = (name: string, text: string) => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'settings.yaml'), text);
    };
    version('..v1', 'RATE_LIMIT_PER_MINUTE: 5\n');
    symlinkSync('..v1', join(dir, '..data'));
    symlinkSync(join('..data', 'settings.yaml'), file);
    settings = RuntimeSettings.fromEnvironment({ CONFIG_FILE: file });
    settings.onApplicationBootstrap();
    expect(settings.get('RATE_LIMIT_PER_MINUTE')).toBe(5);

    version('..v2', 'RATE_LIMIT_PER_MINUTE: 11\n');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await untilPasses(() => expect(settings!.get('RATE_LIMIT_PER_MINUTE')).toBe(11));
  }, 15_000);

  it('reads the file again on SIGHUP', async () => {
    const started = startWith('RATE_LIMIT_PER_MINUTE: 5\n');
    started.onApplicationBootstrap();
    const reload = jest.spyOn(started, 'reload');
    process.emit('SIGHUP', 'SIGHUP');
    expect(reload).toHaveBeenCalledTimes(1);
    started.onApplicationShutdown();
    expect(process.listeners('SIGHUP')).toHaveLength(0);
  });

  it('without CONFIG_FILE, is the environment and never changes', () => {
    settings = RuntimeSettings.fromEnvironment({ RATE_LIMIT_PER_MINUTE: '12' });
    settings.onApplicationBootstrap();
    expect(settings.get('RATE_LIMIT_PER_MINUTE')).toBe(12);
    expect(settings.reload()).toEqual([]);
    expect(process.listeners('SIGHUP')).toHaveLength(0);
  });
});
