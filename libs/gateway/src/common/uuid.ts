import { isUuid, UUID_PATTERN } from '@tessera/shared-kernel';
import { Matches } from 'class-validator';

export { isUuid };

/** A body or query field holding a UUID, by the same rule as isUuid (class-validator's IsUUID also checks version bits). */
export const IsUuidField = (): PropertyDecorator => Matches(UUID_PATTERN, { message: '$property must be a UUID' });
