import { ConfigService } from '@nestjs/config';
import { validateEnv } from './env.schema';
import { secretOrDevelopmentDefault } from './production-secret';

describe('validateEnv', () => {
  it('fills the documented defaults', () => {
    expect(validateEnv({})).toMatchObject({
      RATE_LIMIT_PER_MINUTE: 100,
      LOGIN_RATE_LIMIT_PER_MINUTE: 10,
      ORDER_PAYMENT_TIMEOUT_SECONDS: 900,
      EMBEDDED_DB_DIR: '.data/db',
    });
  });

  it('listens on this machine alone outside production, on every interface in production, unless HOST says', () => {
    expect(validateEnv({})).toMatchObject({ HOST: '127.0.0.1' });
    expect(validateEnv({ NODE_ENV: 'production' })).toMatchObject({ HOST: '0.0.0.0' });
    expect(validateEnv({ NODE_ENV: 'production', HOST: '10.0.0.7' })).toMatchObject({ HOST: '10.0.0.7' });
    expect(() => validateEnv({ LOG_FORMAT: 'text' })).toThrow(/LOG_FORMAT/);
  });

  it('names the variable that has a bad value', () => {
    expect(() => validateEnv({ PORT: 'eighty' })).toThrow(/"PORT" must be a number/);
    expect(() => validateEnv({ RATE_LIMIT_PER_MINUTE: '0' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => validateEnv({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => validateEnv({ REDIS_URL: '127.0.0.1:6379' })).toThrow(/REDIS_URL/);
  });

  // As .env.example writes a name whose default is "unset" (`# REDIS_URL=`), and as a manifest's `value: ""` sets it:
  // uncommented, such a line refused the start with "is not allowed to be empty".
  it('takes a name set to nothing as unset', () => {
    const validated = validateEnv({
      REDIS_URL: '',
      CONFIG_FILE: '',
      LOG_FORMAT: '',
      PORT: '',
      USERS_DATABASE_URL: '',
      JWT_SECRET: '',
      NODE_ENV: '',
      CONTEXTS: '',
    });
    expect(validated).toMatchObject({ NODE_ENV: 'development', HOST: '127.0.0.1' });
    for (const name of ['REDIS_URL', 'CONFIG_FILE', 'LOG_FORMAT', 'PORT', 'USERS_DATABASE_URL', 'JWT_SECRET']) expect(validated).not.toHaveProperty(name);
  });

  it('leaves REDIS_URL unset unless given, and takes a redis or rediss URL', () => {
    expect(validateEnv({})).not.toHaveProperty('REDIS_URL');
    expect(validateEnv({ REDIS_URL: 'redis://cache:6379/2' })).toMatchObject({ REDIS_URL: 'redis://cache:6379/2' });
    expect(validateEnv({ REDIS_URL: 'rediss://user:secret@cache.example:6380' })).toMatchObject({ REDIS_URL: 'rediss://user:secret@cache.example:6380' });
  });

  it("takes a broker's URL or its cluster's, comma-separated, and names the one of another scheme without its password", () => {
    const cluster = { NATS_URL: 'nats://nats-0:4222,nats://nats-1:4222', RABBITMQ_URL: 'amqp://shop:pw@rabbit-0:5672, amqp://shop:pw@rabbit-1:5672' };
    expect(validateEnv(cluster)).toMatchObject(cluster);
    expect(() => validateEnv({ RABBITMQ_URL: 'amqp://shop:pw@rabbit-0:5672,https://shop:pw@rabbit-1' })).toThrow(
      'Invalid configuration: RABBITMQ_URL must be a URL, or several separated by commas, each amqp:// or amqps://; got "https://shop@rabbit-1/"',
    );
  });

  it('refuses a time to pay longer than the catalog can hold the stock for it (twice that time, at most seven days)', () => {
    expect(validateEnv({ ORDER_PAYMENT_TIMEOUT_SECONDS: '302400' })).toMatchObject({ ORDER_PAYMENT_TIMEOUT_SECONDS: 302_400 });
    expect(() => validateEnv({ ORDER_PAYMENT_TIMEOUT_SECONDS: '302401' })).toThrow(/"ORDER_PAYMENT_TIMEOUT_SECONDS" must be at most 302400/);
  });

  it('takes a pool size from 1 connection a context, 10 when unset', () => {
    expect(validateEnv({})).toMatchObject({ DATABASE_POOL_SIZE: 10 });
    expect(validateEnv({ DATABASE_POOL_SIZE: '3' })).toMatchObject({ DATABASE_POOL_SIZE: 3 });
    expect(() => validateEnv({ DATABASE_POOL_SIZE: '0' })).toThrow(/"DATABASE_POOL_SIZE" must be greater than or equal to 1/);
  });

  // A longer one is set to 1 ms by Node's timers (TimeoutOverflowWarning): every call to a context failed at once, 503.
  it('refuses a request timeout longer than a timer can wait', () => {
    expect(validateEnv({ REQUEST_TIMEOUT_MS: '2147483647' })).toMatchObject({ REQUEST_TIMEOUT_MS: 2_147_483_647 });
    expect(() => validateEnv({ REQUEST_TIMEOUT_MS: '3000000000' })).toThrow(/"REQUEST_TIMEOUT_MS" must be at most 2147483647/);
  });

  it('takes one TCP address per replica of a context, and one to listen on', () => {
    expect(validateEnv({ CATALOG_TCP_ADDRESS: 'catalog-0:4002, catalog-1:4002', CATALOG_TCP_LISTEN_ADDRESS: '0.0.0.0:4002' })).toMatchObject({
      CATALOG_TCP_ADDRESS: 'catalog-0:4002, catalog-1:4002',
      TCP_BALANCING: 'least-pending',
    });
    expect(() => validateEnv({ CATALOG_TCP_ADDRESS: 'catalog-0:4002,catalog-1' })).toThrow(/CATALOG_TCP_ADDRESS/);
    expect(() => validateEnv({ CATALOG_TCP_LISTEN_ADDRESS: 'catalog-0:4002,catalog-1:4002' })).toThrow(/CATALOG_TCP_LISTEN_ADDRESS/);
    expect(() => validateEnv({ TCP_BALANCING: 'fastest' })).toThrow(/TCP_BALANCING/);
  });

  it('refuses a crash test fault point in production, and takes it elsewhere', () => {
    expect(() => validateEnv({ NODE_ENV: 'production', TESSERA_FAULT_POINT: 'place-order:after-reserve' })).toThrow(/TESSERA_FAULT_POINT/);
    expect(validateEnv({ NODE_ENV: 'test', TESSERA_FAULT_POINT: 'place-order:after-reserve' })).toMatchObject({
      TESSERA_FAULT_POINT: 'place-order:after-reserve',
    });
  });

  it("refuses the crash tests' outbox lease in production, and takes a positive number of seconds elsewhere", () => {
    expect(() => validateEnv({ NODE_ENV: 'production', TESSERA_OUTBOX_LEASE_SECONDS: '3' })).toThrow(/TESSERA_OUTBOX_LEASE_SECONDS/);
    expect(() => validateEnv({ TESSERA_OUTBOX_LEASE_SECONDS: '0' })).toThrow(/TESSERA_OUTBOX_LEASE_SECONDS/);
    expect(validateEnv({ NODE_ENV: 'test', TESSERA_OUTBOX_LEASE_SECONDS: '3' })).toMatchObject({ TESSERA_OUTBOX_LEASE_SECONDS: 3 });
  });
});

describe('secretOrDevelopmentDefault', () => {
  const read = (env: Record<string, string>) => new ConfigService(env);

  it('refuses an unset or default secret in production', () => {
    expect(() => secretOrDevelopmentDefault(read({ NODE_ENV: 'production' }), 'JWT_SECRET', 'dev', () => {})).toThrow(/JWT_SECRET must be set/);
    expect(() => secretOrDevelopmentDefault(read({ NODE_ENV: 'production', JWT_SECRET: 'dev' }), 'JWT_SECRET', 'dev', () => {})).toThrow(/JWT_SECRET/);
  });

  it('warns and uses the default outside production', () => {
    const warnings: string[] = [];
    expect(secretOrDevelopmentDefault(read({}), 'JWT_SECRET', 'dev', (m) => warnings.push(m))).toBe('dev');
    expect(warnings[0]).toMatch(/JWT_SECRET is not set/);
  });
});
