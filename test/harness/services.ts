import { natsWanted, rabbitmqWanted } from './brokers';
import { realPostgresWanted } from './postgres';
import { redisWanted } from './redis';

/** An outside service a suite can need; a bare `npm test` runs without any of them. */
export type Service = 'postgres' | 'nats' | 'rmq' | 'redis';

const SERVICE_WANTED: Record<Service, () => boolean> = { postgres: realPostgresWanted, nats: natsWanted, rmq: rabbitmqWanted, redis: redisWanted };
const SERVICE_SWITCH: Record<Service, string> = { postgres: 'TEST_POSTGRES_URL', nats: 'NATS_URL', rmq: 'RABBITMQ_URL', redis: 'REDIS_URL' };

/**
 * `describe` when this run wants every service a topology needs (CI=true, or
 * their URLs set), and otherwise `describe.skip` with a name that says what is
 * missing, so a bare `npm test` reports the topology as skipped, not passed.
 */
export function describeWith(services: Service[]): (name: string, body: () => void) => void {
  const missing = services.filter((service) => !SERVICE_WANTED[service]());
  return describeUnless(missing.length > 0 ? `set CI=true, or ${missing.map((service) => SERVICE_SWITCH[service]).join(' and ')}` : undefined);
}

/** `describe`, or, given why this run cannot run the suite, `describe.skip` with that reason in its name. */
export function describeUnless(cannotRun: string | undefined): (name: string, body: () => void) => void {
  if (!cannotRun) return (name, body) => describe(name, body);
  return (name, body) => describe.skip(`${name} (skipped: ${cannotRun})`, body);
}
