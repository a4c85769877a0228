import { ValidationError } from '@tessera/shared-kernel';

const SKU_MAX_LENGTH = 64;
const SKU_PATTERN = /^[A-Za-z0-9._-]+$/;

/** A stock keeping unit: kept as written, but two SKUs that differ only in case are the same SKU. */
export class Sku {
  private constructor(readonly value: string) {}

  static of(raw: unknown): Sku {
    if (typeof raw !== 'string') throw ValidationError.of('sku', 'must be a string');
    const value = raw.trim();
    if (value.length === 0 || value.length > SKU_MAX_LENGTH) {
      throw ValidationError.of('sku', `must be 1 to ${SKU_MAX_LENGTH} characters`);
    }
    if (!SKU_PATTERN.test(value)) {
      throw ValidationError.of('sku', 'may contain only letters, digits, ".", "_" and "-"');
    }
    return new Sku(value);
  }

  /** The form SKUs are compared and indexed in. */
  get key(): string {
    return this.value.toLowerCase();
  }

  equals(other: Sku): boolean {
    return this.key === other.key;
  }

  toString(): string {
    return this.value;
  }
}
