import { Matches } from 'class-validator';

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Any RFC 9562 UUID, whatever its version; ids that fail it never leave the gateway. */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/** A body or query field holding a UUID, by the same rule as isUuid (class-validator's IsUUID also checks version bits). */
export const IsUuidField = (): PropertyDecorator => Matches(UUID_PATTERN, { message: '$property must be a UUID' });
