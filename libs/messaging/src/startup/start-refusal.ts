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

/** URL schemes whose user, when it comes without a password, is a secret: a NATS token takes the user's place. */
const TOKEN_SCHEMES = new Set(['nats:', 'tls:']);
const HIDDEN_TOKEN = '***';

/**
 * `url` as it can be shown in a log: without its password. A NATS token,
 * written where a user would be, is shown as *** (so a reader still sees
 * that one was given).
 */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    else if (parsed.username && TOKEN_SCHEMES.has(parsed.protocol)) parsed.username = HIDDEN_TOKEN;
    else return url;
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1@');
  }
}
