import { isObservable, lastValueFrom } from 'rxjs';

/**
 * What a Nest message handler answers: its value, or the one value of the
 * observable it returned (Nest's exception filter answers a failure with an
 * observable that fails with the error payload, which this throws).
 */
export async function answerOf(result: unknown): Promise<unknown> {
  const settled = await result;
  return isObservable(settled) ? lastValueFrom(settled, { defaultValue: undefined }) : settled;
}
