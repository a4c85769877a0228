import { CONTEXT_NAMES, MAX_RESERVATION_HOLD_SECONDS } from '@tessera/contracts';
import Joi from 'joi';
import { ConfigurationError, DEFAULT_NATS_URL, DEFAULT_RABBITMQ_URL, NATS_SCHEMES, parseBrokerUrls, RABBITMQ_SCHEMES } from '@tessera/messaging';
import { DEFAULT_POOL_SIZE, DEFAULT_STATEMENT_TIMEOUT_MS, MAX_STATEMENT_TIMEOUT_MS } from '../database/database-timeouts';
import { DEFAULT_EMBEDDED_DB_DIR } from '../database/early-embedded-database';

const port = Joi.number().integer().min(0).max(65535);
const positiveInt = Joi.number().integer().min(1);
const tcpAddress = Joi.string().pattern(/^[^,]+:\d{1,5}$/, 'host:port');
const tcpAddresses = Joi.string().pattern(/^[^,]+:\d{1,5}(\s*,\s*[^,]+:\d{1,5})*$/, 'host:port, comma-separated');
const postgresUrl = Joi.string().uri({ scheme: ['postgres', 'postgresql'] });

/** A broker's URL, or its cluster's, comma-separated: refused in parseBrokerUrls's words, which name the URL at fault. */
const brokerUrls = (variable: string, schemes: readonly string[], fallback: string) =>
  Joi.string()
    .custom((value: string, helpers) => {
      try {
        parseBrokerUrls(value, variable, schemes, fallback);
        return value;
      } catch (error) {
        return helpers.message({ custom: (error as Error).message });
      }
    })
    .default(fallback);

/** <CONTEXT>_DATABASE_URL, <CONTEXT>_TCP_ADDRESS and <CONTEXT>_TCP_LISTEN_ADDRESS for every context. */
const perContext = Object.fromEntries(
  CONTEXT_NAMES.flatMap((context) => {
    const prefix = context.toUpperCase();
    return [
      [`${prefix}_DATABASE_URL`, postgresUrl],
      [`${prefix}_TCP_ADDRESS`, tcpAddresses],
      [`${prefix}_TCP_LISTEN_ADDRESS`, tcpAddress],
    ];
  }),
);

/**
 * Every configuration name the apps read. A bad value stops the start with a
 * message that names the variable; production-only rules live with the module
 * that needs the value (see assertProductionSecret).
 */
export const envSchema = Joi.object({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  PORT: port,
  // Outside production only this machine may connect; a production process (the image sets it) serves others.
  HOST: Joi.string().when('NODE_ENV', { is: 'production', then: Joi.string().default('0.0.0.0'), otherwise: Joi.string().default('127.0.0.1') }),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  // Read when the logger is made, before the configuration: see chosenLogFormat.
  LOG_FORMAT: Joi.string().valid('pretty', 'json'),
  DATABASE_URL: postgresUrl,
  ...perContext,
  // A statement longer than a day is no serving query; 0 sets no limit, as Postgres's own statement_timeout does.
  DATABASE_STATEMENT_TIMEOUT_MS: Joi.number()
    .integer()
    .min(0)
    .max(MAX_STATEMENT_TIMEOUT_MS)
    .default(DEFAULT_STATEMENT_TIMEOUT_MS)
    .messages({ 'number.max': '{{#label}} must be at most {{#limit}} (a day); 0 sets no limit' }),
  // Per hosted context: a monolith opens up to four times as many. A thousand is past any server's max_connections.
  DATABASE_POOL_SIZE: positiveInt.max(1000).default(DEFAULT_POOL_SIZE),
  EMBEDDED_DB_DIR: Joi.string().default(DEFAULT_EMBEDDED_DB_DIR),
  TRANSPORT: Joi.string().valid('inproc', 'tcp', 'nats', 'rmq'),
  CONTEXTS: Joi.string().allow(''),
  TCP_BALANCING: Joi.string().valid('round-robin', 'random', 'least-pending').default('least-pending'),
  GATEWAY_TCP_ADDRESS: tcpAddress,
  GATEWAY_TCP_ADDRESSES: tcpAddresses,
  NATS_URL: brokerUrls('NATS_URL', NATS_SCHEMES, DEFAULT_NATS_URL),
  RABBITMQ_URL: brokerUrls('RABBITMQ_URL', RABBITMQ_SCHEMES, DEFAULT_RABBITMQ_URL),
  NATS_STREAM_REPLICAS: Joi.number().integer().min(1).max(5).default(1),
  RABBITMQ_EVENT_QUEUE_TYPE: Joi.string().valid('classic', 'quorum').default('classic'),
  REDIS_URL: Joi.string().uri({ scheme: ['redis', 'rediss'] }),
  MESSAGING_NAMESPACE: Joi.string()
    .pattern(/^[a-z][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes')
    .default('tessera'),
  // Node's timers wait at most 2^31 - 1 ms, and set a longer wait to 1 ms: every call to a context would time out at once.
  REQUEST_TIMEOUT_MS: positiveInt
    .max(2_147_483_647)
    .default(5000)
    .messages({ 'number.max': '{{#label}} must be at most {{#limit}} (about 24.8 days, the longest a timer waits)' }),
  JWT_SECRET: Joi.string().min(16),
  JWT_EXPIRES_IN_SECONDS: positiveInt.default(3600),
  ADMIN_EMAIL: Joi.string().email({ tlds: false }),
  ADMIN_PASSWORD: Joi.string().min(8).max(128),
  SEED_DEMO_DATA: Joi.boolean(),
  // Ordering asks the catalog to hold an order's stock for twice this, and the catalog holds at most seven days.
  ORDER_PAYMENT_TIMEOUT_SECONDS: positiveInt
    .max(MAX_RESERVATION_HOLD_SECONDS / 2)
    .default(900)
    .messages({
      'number.max': `{{#label}} must be at most {{#limit}} (3.5 days): the stock of an order is held for twice its time to pay, and at most seven days`,
    }),
  MESSAGING_RETENTION_HOURS: positiveInt.default(168),
  EVENT_MAX_ATTEMPTS: positiveInt.default(8),
  RATE_LIMIT_PER_MINUTE: positiveInt.default(100),
  LOGIN_RATE_LIMIT_PER_MINUTE: positiveInt.default(10),
  // The runtime settings over these (see RuntimeSettings): read at start, and again whenever it changes.
  CONFIG_FILE: Joi.string(),
  CORS_ORIGINS: Joi.string().allow('').default(''),
  // Parsed where the HTTP adapter is made, before the configuration: see trustedProxies.
  TRUST_PROXY: Joi.string().allow(''),
  // A crash test's hook (see faultPoint): a production process must never be one step from killing itself.
  TESSERA_FAULT_POINT: Joi.string().when('NODE_ENV', { is: 'production', then: Joi.forbidden() }),
  // The crash tests' shorter outbox lease (see Outbox): production keeps the one sized for remote deliveries.
  TESSERA_OUTBOX_LEASE_SECONDS: positiveInt.when('NODE_ENV', { is: 'production', then: Joi.forbidden() }),
});

/**
 * The process's environment checked against envSchema; throws naming every bad variable. A name set to nothing is
 * unset, as .env.example writes a name whose default is "unset" (`# REDIS_URL=`) and a manifest's `value: ""` sets it.
 */
export function validateEnv(env: Record<string, unknown>): Record<string, unknown> {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const { error, value } = envSchema.validate(set, { abortEarly: false, allowUnknown: true, convert: true });
  if (error) {
    throw new ConfigurationError(`Invalid configuration: ${error.details.map((detail) => detail.message).join('; ')}`);
  }
  return value as Record<string, unknown>;
}
