import { ArgumentMetadata, PipeTransform, ValidationPipe } from '@nestjs/common';

/**
 * Several pipes run as one global pipe, each in turn on what the one before
 * answered. Nest chains its global pipes as an async reduce: two promises a
 * pipe for every parameter of every request (and every promise pays the
 * correlation scope's promise hooks), though the input checks decide at once
 * and only a DTO's validation waits. Here a pipe that answers a value hands it
 * to the next one in the same tick; one that answers a promise has the rest run
 * once it settles. What each pipe refuses, and in which order, is unchanged.
 */
export class PipesInTurn implements PipeTransform {
  constructor(private readonly pipes: readonly PipeTransform[]) {}

  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    return this.runFrom(0, value, metadata);
  }

  private runFrom(first: number, value: unknown, metadata: ArgumentMetadata): unknown {
    let current = value;
    for (let index = first; index < this.pipes.length; index++) {
      current = this.pipes[index].transform(current, metadata);
      if (isPromiseLike(current) && index + 1 < this.pipes.length) {
        return Promise.resolve(current).then((settled) => this.runFrom(index + 1, settled, metadata));
      }
    }
    return current;
  }
}

/**
 * Nest's ValidationPipe, answering at once when it has no DTO to validate: a
 * parameter typed as a string, a number or none, which the pipe only converts
 * (`transformPrimitive`). Nest's `transform` is async from its first line, so
 * `GET /products/:id` waited on a promise to learn that its id stays a string.
 * A DTO is validated by Nest's own code, as before.
 */
export class ValidationPipeAnsweringAtOnce extends ValidationPipe {
  // The base method's type says Promise; Nest awaits whatever a pipe answers, a value included.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override transform(value: unknown, metadata: ArgumentMetadata): any {
    if (this.expectedType || (metadata.metatype && this.toValidate(metadata))) return super.transform(value, metadata);
    return this.isTransformEnabled ? this.transformPrimitive(value, metadata) : value;
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
