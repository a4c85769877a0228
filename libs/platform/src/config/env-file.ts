import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/** The file of settings a process reads from its working directory, when present. */
export const ENV_FILE = '.env';

/**
 * Sets, in `env`, every name of the `.env`-style file at `path` that `env`
 * does not set already: the environment wins over the file. No file, nothing
 * changes. Returns the names it set. Throws, naming the file, when it exists
 * but cannot be read.
 */
export function loadEnvFile(path = ENV_FILE, env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new Error(`${path} could not be read: ${(error as Error).message}`, { cause: error });
  }
  const set: string[] = [];
  // A byte order mark (Windows editors write one) would otherwise be part of the first name, which then sets nothing.
  for (const [name, value] of Object.entries(parseEnv(text.replace(/^\uFEFF/, '')))) {
    if (env[name] !== undefined || value === undefined) continue;
    env[name] = value;
    set.push(name);
  }
  return set;
}

// EXIT_CODES.configuration of launch(), which this runs before: nothing of Nest may load yet (see instrument.ts).
const EX_CONFIG = 78;

/**
 * loadEnvFile for a process's first line (apps/<app>/src/instrument.ts), before anything reads the environment:
 * a file that cannot be read ends the process with one line and the exit code of a bad configuration (see launch).
 */
export function loadEnvFileOrExit(path = ENV_FILE): void {
  try {
    loadEnvFile(path);
  } catch (error) {
    refuseStartBeforeLaunch((error as Error).message);
  }
}

/** Ends a process whose configuration is refused before launch() runs (see instrument.ts), as launch() would. */
export function refuseStartBeforeLaunch(reason: string): never {
  process.stderr.write(`\nTessera could not start: ${reason}\n\n`);
  process.exit(EX_CONFIG);
}
