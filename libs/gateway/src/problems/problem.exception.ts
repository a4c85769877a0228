import { HttpException } from '@nestjs/common';
import { ERROR_CODES } from '@tessera/contracts';
import type { RemoteError } from '@tessera/messaging';
import type { FieldProblem } from '@tessera/platform';
import { statusOfCode } from './problem-codes';

export interface ProblemOptions {
  /** Overrides the status of the code table, for a route where the same code means something else (POST /orders: PRODUCT_NOT_FOUND is 422). */
  status?: number;
  errors?: FieldProblem[];
  /** Extra members of the problem body (PAYMENT_DECLINED carries `paymentId`). */
  extensions?: Record<string, unknown>;
  /**
   * The detail of a 5xx was written for the client, and is sent as it is; otherwise a 5xx answers a generic
   * detail, and its own goes to the log only (it may name a host, or hold SQL).
   */
  detailWrittenForClients?: boolean;
}

/** An error the gateway raises with a stable code; the problem filter turns it into problem+json. */
export class ProblemException extends HttpException {
  readonly errors?: FieldProblem[];
  readonly extensions?: Record<string, unknown>;
  readonly detailWrittenForClients: boolean;

  constructor(
    readonly code: string,
    detail: string,
    options: ProblemOptions = {},
  ) {
    super(detail, options.status ?? statusOfCode(code) ?? 500);
    this.errors = options.errors;
    this.extensions = options.extensions;
    this.detailWrittenForClients = options.detailWrittenForClients ?? false;
  }

  /**
   * Re-raises a context's error, keeping its code, message and field problems,
   * with another status or with members of its `details` that a client needs
   * (`passDetails: ['paymentId']`). Only the named, plain values pass: a
   * context's details are not written for clients.
   */
  static fromRemote(error: RemoteError, options: RemoteProblemOptions = {}): ProblemException {
    const { passDetails = [], ...rest } = options;
    const passed: Record<string, unknown> = {};
    for (const name of passDetails) {
      const value = error.details?.[name];
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') passed[name] = value;
    }
    const { detail, errors } = clientWordingOf(error);
    return new ProblemException(error.code, detail, { ...rest, extensions: { ...passed, ...rest.extensions }, errors });
  }
}

/**
 * A context's message and field problems as a client reads them. A context words a field problem as what follows
 * its field ("must be a UUID"), and its message joins them as "orderId: must be a UUID"; the gateway's own problems
 * begin with their field ("orderId must be a UUID"), and so do a context's here, so that one API words them one way.
 */
export function clientWordingOf(error: RemoteError): { detail: string; errors?: FieldProblem[] } {
  if (error.code !== ERROR_CODES.VALIDATION_FAILED || !error.errors?.length) return { detail: error.message, errors: error.errors };
  const errors = error.errors.map(({ field, message }) => ({ field, message: `${field} ${message}` }));
  return { detail: errors.map((problem) => problem.message).join('; '), errors };
}

// A context's message is written for its callers, not for clients.
export interface RemoteProblemOptions extends Omit<ProblemOptions, 'errors' | 'detailWrittenForClients'> {
  /** Members of the RemoteError's `details` to copy into the problem body, when they are plain values. */
  passDetails?: readonly string[];
}
