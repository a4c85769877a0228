import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import pino from 'pino';
import { ConfigFileWatcher } from './config-file.watcher';
import { configLastReloadSuccessful, configLastReloadSuccessTimestamp } from './config-reload-metrics';
import { validateEnv } from './env.schema';
import {
  parseRuntimeSettings,
  readRuntimeSettingsText,
  startRefusedBy,
  RUNTIME_SETTING_NAMES,
  RuntimeSettingName,
  RuntimeSettingValues,
} from './runtime-settings-file';

/** One setting that a change of CONFIG_FILE moved, with its value before and after. */
export interface RuntimeSettingChange<Name extends RuntimeSettingName = RuntimeSettingName> {
  name: Name;
  from: RuntimeSettingValues[Name];
  to: RuntimeSettingValues[Name];
}

type ChangeListener = (settings: RuntimeSettingValues, changes: readonly RuntimeSettingChange[]) => void;

/**
 * The settings that may change while the process runs (RUNTIME_SETTING_NAMES):
 * the environment's values, with CONFIG_FILE's over them. Once the app is up,
 * the file is watched and re-read on SIGHUP; a valid change applies at once
 * and is logged with the old and new values, an invalid file is refused with
 * one line naming the key and the settings stay. Read a setting with `get` at
 * the moment it is used, or subscribe to changes. PlatformModule makes the
 * process's one.
 */
export class RuntimeSettings implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RuntimeSettings');
  private readonly listeners = new Set<ChangeListener>();
  private current: RuntimeSettingValues;
  private fileText?: string;
  /** Why the file could not be read the last time it was read, if it could not. */
  private unreadableBecause?: string;
  private watcher?: ConfigFileWatcher;
  private readonly reloadOnHangup = () => {
    this.logger.log(`SIGHUP: reading CONFIG_FILE ${this.file} again`);
    this.reload();
  };

  constructor(
    private readonly environment: RuntimeSettingValues,
    /** CONFIG_FILE, when set. */
    readonly file?: string,
  ) {
    this.current = environment;
    if (file) {
      try {
        this.fileText = readRuntimeSettingsText(file);
        this.current = { ...environment, ...parseRuntimeSettings(this.fileText) };
      } catch (refusal) {
        throw startRefusedBy(file, refusal);
      }
    }
    this.markApplied();
  }

  /** From the process's environment (validated, defaults filled) and the CONFIG_FILE it names; a bad file throws. */
  static fromEnvironment(env: Record<string, unknown> = process.env): RuntimeSettings {
    const validated = validateEnv(env);
    const environment = Object.fromEntries(RUNTIME_SETTING_NAMES.map((name) => [name, validated[name]])) as unknown as RuntimeSettingValues;
    return new RuntimeSettings(environment, (validated.CONFIG_FILE as string | undefined) || undefined);
  }

  get<Name extends RuntimeSettingName>(name: Name): RuntimeSettingValues[Name] {
    return this.current[name];
  }

  /** Calls `listener` after every change that moved a setting; answers how to stop. */
  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads CONFIG_FILE again and applies it if it changed and is valid; answers the settings that moved. */
  reload(): readonly RuntimeSettingChange[] {
    if (!this.file) return [];
    let text: string;
    try {
      text = readRuntimeSettingsText(this.file);
    } catch (refusal) {
      // The watch on the directory and the poll of the file each hear a file go: one line says it.
      if ((refusal as Error).message === this.unreadableBecause) return [];
      this.unreadableBecause = (refusal as Error).message;
      // What comes back in its place is judged again, even when it is the text refused before it went.
      this.fileText = undefined;
      return this.refused(refusal);
    }
    this.unreadableBecause = undefined;
    let next: RuntimeSettingValues;
    try {
      // The several events of one save, and a SIGHUP with nothing new, read the same text: it is judged once.
      if (text === this.fileText) return [];
      this.fileText = text;
      if (text === '') {
        // A save in place truncates the file before it writes. Read in between, the file would give every setting
        // back to the environment, and a refusal of what is then written would keep them there. The write's own
        // event reads the file again.
        this.logger.log(
          `CONFIG_FILE ${this.file} is empty: taken as a save under way, the settings stay as they were ({} gives them all back to the environment)`,
        );
        return [];
      }
      next = { ...this.environment, ...parseRuntimeSettings(text) };
    } catch (refusal) {
      return this.refused(refusal);
    }
    const changes = RUNTIME_SETTING_NAMES.filter((name) => next[name] !== this.current[name]).map(
      (name) => ({ name, from: this.current[name], to: next[name] }) as RuntimeSettingChange,
    );
    // A valid text that moves nothing (a comment edited, a refused change taken back) is applied all the same.
    this.markApplied();
    if (changes.length === 0) return [];
    const logChanges = () =>
      this.logger.log({
        msg: `CONFIG_FILE ${this.file} applied: ${changes.map((change) => `${change.name} ${change.from} -> ${change.to}`).join(', ')}`,
        changes: Object.fromEntries(changes.map((change) => [change.name, { from: change.from, to: change.to }])),
      });
    const tellListeners = () => {
      this.current = next;
      for (const listener of this.listeners) listener(next, changes);
    };
    // The line is written under the more verbose of the old and new LOG_LEVEL, so a change from warn to info shows too.
    if (verbosityOf(next.LOG_LEVEL) < verbosityOf(this.current.LOG_LEVEL)) {
      tellListeners();
      logChanges();
    } else {
      logChanges();
      tellListeners();
    }
    return changes;
  }

  private refused(refusal: unknown): readonly RuntimeSettingChange[] {
    // An error, not a warning: the file's author must see it at any LOG_LEVEL but silent, or the file seems applied.
    // At silent, config_last_reload_successful still says so.
    this.logger.error(`CONFIG_FILE ${this.file} refused, the settings stay as they were: ${(refusal as Error).message}`);
    configLastReloadSuccessful.set(0);
    return [];
  }

  private markApplied(): void {
    configLastReloadSuccessful.set(1);
    configLastReloadSuccessTimestamp.set(Date.now() / 1000);
  }

  onApplicationBootstrap(): void {
    if (!this.file) return;
    this.watcher = new ConfigFileWatcher(this.file, () => this.reload());
    this.watcher.start();
    process.on('SIGHUP', this.reloadOnHangup);
    // A save while the app was starting came before the watch.
    this.reload();
  }

  onApplicationShutdown(): void {
    this.watcher?.stop();
    process.off('SIGHUP', this.reloadOnHangup);
  }
}

// Lower is more verbose; `silent` has no number.
function verbosityOf(level: string): number {
  return pino.levels.values[level] ?? Infinity;
}
