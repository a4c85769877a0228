/**
 * Why a process refuses to start, in one sentence that names what is wrong and
 * what to set. launch() prints it as one line, without a stack, and ends the
 * process with the exit code of its kind.
 */
export abstract class StartRefusal extends Error {
  override readonly name = this.constructor.name;
}

/** A setting is missing, malformed or contradicts another: nothing will change until the configuration does. */
export class ConfigurationError extends StartRefusal {}

/** Something the process needs (its broker, its database, its data folder) is not there or is held by another process. */
export class DependencyUnavailableError extends StartRefusal {}

/** `url` as it can be shown in a log: without its password. */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1@');
  }
}
