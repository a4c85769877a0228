import { ConfigurationError, DependencyUnavailableError } from './start-refusal';

/** The settings that chose where a server listens: one for its host and one for its port, or the same for both. */
export interface ListenSettings {
  host: string;
  port: string;
}

/**
 * The refusal to start with when a server could not listen on `host:port`,
 * naming the setting to change: an address another process holds may be freed
 * (69, as a database folder another process holds); one this machine does not
 * have, or may not listen on, only a change of the setting mends (78). Any
 * other error is answered as it came.
 */
export function listenRefusal(error: unknown, host: string, port: number, settings: ListenSettings): unknown {
  const code = (error as { code?: unknown } | undefined)?.code;
  const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new DependencyUnavailableError(`${address} is in use by another process (EADDRINUSE): stop it, or set ${settings.port} to a free port`);
    case 'EACCES':
      return new ConfigurationError(
        `this process may not listen on ${address} (EACCES: ports below 1024 need privileges): set ${settings.port} to 1024 or above`,
      );
    case 'EADDRNOTAVAIL':
      return new ConfigurationError(
        `${host} is not an address of this machine (EADDRNOTAVAIL): set ${settings.host} to one of its addresses, or 0.0.0.0 for all of them`,
      );
    case 'ENOTFOUND':
      return new ConfigurationError(`${host} is not a host name this machine can resolve (ENOTFOUND): set ${settings.host} to one of its addresses`);
    default:
      return error;
  }
}
