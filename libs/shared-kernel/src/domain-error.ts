/** A broken business rule, named by a stable code that crosses context boundaries unchanged. */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Input that a domain rule refuses: a field and what is wrong with it. */
export interface FieldProblem {
  /** The field's dotted path, as the gateway's validation names it too (`items.0.quantity`), so a client reads one form. */
  field: string;
  message: string;
}

export class ValidationError extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super('VALIDATION_FAILED', problems.map((p) => `${p.field}: ${p.message}`).join('; '), { errors: problems });
    this.name = 'ValidationError';
  }

  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}
