import { ErrorCode, type NatsError } from 'nats';
import { DependencyUnavailableError } from '../startup/start-refusal';

/**
 * A permissions violation from the NATS server, as the start refusal it is:
 * the user in NATS_URL, or what the server's authorization lets it do, has
 * to change before this process can work; like refused credentials, the
 * server's side may change without this process's (exit 69). Names the
 * refused subject, which tells a stale authorization file from a wrong user.
 * Undefined for any other error.
 */
export function natsPermissionRefusal(error: unknown, consequence: string): DependencyUnavailableError | undefined {
  if ((error as NatsError | undefined)?.code !== ErrorCode.PermissionsViolation) return undefined;
  const refused = (error as NatsError).permissionContext;
  const what = refused
    ? `${refused.operation === 'publish' ? 'a publish to' : 'the subscription to'} ${refused.subject}${refused.queue ? ` in queue ${refused.queue}` : ''}`
    : `what it asked (${(error as Error).message})`;
  return refusalOf(what, consequence);
}

/** The server's refusal of this process's subscription to `subject`, as natsPermissionRefusal says it. */
export function subscriptionRefusal(subject: string, consequence: string): DependencyUnavailableError {
  return refusalOf(`the subscription to ${subject}`, consequence);
}

function refusalOf(what: string, consequence: string): DependencyUnavailableError {
  return new DependencyUnavailableError(
    `NATS refused this process's user ${what}, so ${consequence}: give the process a user that may ` +
      '(docker/nats/authorization.conf, written by npm run context-map), or fix the user in NATS_URL',
  );
}
