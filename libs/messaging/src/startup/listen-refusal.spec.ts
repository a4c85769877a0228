import { listenRefusal } from './listen-refusal';
import { ConfigurationError, DependencyUnavailableError } from './start-refusal';

const HTTP = { host: 'HOST', port: 'PORT' };

function listenError(code: string): Error {
  return Object.assign(new Error(`listen ${code}`), { code });
}

describe('listenRefusal', () => {
  it('calls an address another process holds unavailable (69), naming the port setting', () => {
    const refusal = listenRefusal(listenError('EADDRINUSE'), '127.0.0.1', 3000, HTTP);
    expect(refusal).toBeInstanceOf(DependencyUnavailableError);
    expect((refusal as Error).message).toBe('127.0.0.1:3000 is in use by another process (EADDRINUSE): stop it, or set PORT to a free port');
  });

  it.each([
    ['EACCES', 'set PORT to 1024 or above'],
    ['EADDRNOTAVAIL', '10.9.9.9 is not an address of this machine (EADDRNOTAVAIL): set HOST'],
    ['ENOTFOUND', 'set HOST to one of its addresses'],
  ])('calls %s a configuration error (78), naming the setting', (code, said) => {
    const refusal = listenRefusal(listenError(code), '10.9.9.9', 80, HTTP);
    expect(refusal).toBeInstanceOf(ConfigurationError);
    expect((refusal as Error).message).toContain(said);
  });

  it('writes an IPv6 address in brackets', () => {
    expect((listenRefusal(listenError('EADDRINUSE'), '::1', 3000, HTTP) as Error).message).toMatch(/^\[::1\]:3000 is in use/);
  });

  it('answers any other error as it came', () => {
    const error = listenError('EMFILE');
    expect(listenRefusal(error, '127.0.0.1', 3000, HTTP)).toBe(error);
  });
});
