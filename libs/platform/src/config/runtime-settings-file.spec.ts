import { parseRuntimeSettings, RuntimeSettingsRefusal, withRuntimeSettingsFile } from './runtime-settings-file';

describe('parseRuntimeSettings', () => {
  it('takes the runtime settings by their environment names, with the environment rules', () => {
    expect(parseRuntimeSettings('RATE_LIMIT_PER_MINUTE: 5\nLOG_LEVEL: debug\nREQUEST_TIMEOUT_MS: "2000"\n')).toEqual({
      RATE_LIMIT_PER_MINUTE: 5,
      LOG_LEVEL: 'debug',
      REQUEST_TIMEOUT_MS: 2000,
    });
  });

  it('takes an empty file as setting nothing, so the environment decides', () => {
    expect(parseRuntimeSettings('')).toEqual({});
    expect(parseRuntimeSettings('# nothing yet\n')).toEqual({});
  });

  it('leaves a setting the file sets to nothing to the environment, as the environment takes a name set to nothing as unset', () => {
    expect(parseRuntimeSettings('RATE_LIMIT_PER_MINUTE:\nLOG_LEVEL: ~\nREQUEST_TIMEOUT_MS: ""\nORDER_PAYMENT_TIMEOUT_SECONDS: 60\n')).toEqual({
      ORDER_PAYMENT_TIMEOUT_SECONDS: 60,
    });
    expect(() => parseRuntimeSettings('DATABASE_URL:')).toThrow(/^DATABASE_URL is not a runtime setting/);
  });

  it('refuses a bad value in one line that names the key', () => {
    expect(() => parseRuntimeSettings('RATE_LIMIT_PER_MINUTE: -3')).toThrow(
      new RuntimeSettingsRefusal('RATE_LIMIT_PER_MINUTE must be greater than or equal to 1'),
    );
    expect(() => parseRuntimeSettings('LOG_LEVEL: loud')).toThrow(/^LOG_LEVEL must be one of/);
    expect(() => parseRuntimeSettings('ORDER_PAYMENT_TIMEOUT_SECONDS: 400000')).toThrow(/^ORDER_PAYMENT_TIMEOUT_SECONDS must be at most 302400/);
    expect(() => parseRuntimeSettings('REQUEST_TIMEOUT_MS: 3000000000')).toThrow(/^REQUEST_TIMEOUT_MS must be at most 2147483647/);
  });

  it('refuses the whole file when it names a secret or the topology, saying where that belongs', () => {
    expect(() => parseRuntimeSettings('RATE_LIMIT_PER_MINUTE: 4\nDATABASE_URL: postgres://db/shop')).toThrow(
      new RuntimeSettingsRefusal('DATABASE_URL is not a runtime setting: set it in the environment and restart'),
    );
    expect(() => parseRuntimeSettings('TRANSPORT: nats\nJWT_SECRET: a-secret-long-enough')).toThrow(
      /^TRANSPORT is not a runtime setting.*; JWT_SECRET is not a runtime setting/,
    );
  });

  it('refuses a key that is no setting at all, and text that is not a YAML mapping', () => {
    expect(() => parseRuntimeSettings('RATE_LIMITS: 5')).toThrow(/^RATE_LIMITS is not a setting \(a runtime setting is one of RATE_LIMIT_PER_MINUTE/);
    expect(() => parseRuntimeSettings('- RATE_LIMIT_PER_MINUTE')).toThrow(/not a mapping/);
    expect(() => parseRuntimeSettings('RATE_LIMIT_PER_MINUTE: [')).toThrow(/^not valid YAML/);
  });
});

describe('withRuntimeSettingsFile', () => {
  it('stops the start naming the file and the key when the file is bad or missing', () => {
    expect(() => withRuntimeSettingsFile({ CONFIG_FILE: '/nonexistent/settings.yaml' })).toThrow(
      'CONFIG_FILE /nonexistent/settings.yaml cannot be read: ENOENT',
    );
  });

  it('leaves the environment alone without CONFIG_FILE', () => {
    const env = { RATE_LIMIT_PER_MINUTE: '7' };
    expect(withRuntimeSettingsFile(env)).toBe(env);
  });
});
