import type { MessageHandler } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';

/**
 * Runs an event handler to its end and rejects if it failed. Nest's own
 * `handleEvent` swallows a handler's failure; a broker consumer must see it,
 * because it acknowledges only what was processed.
 */
export async function invokeEventHandler(handler: MessageHandler, data: unknown, context: unknown): Promise<void> {
  const result = await handler(data, context);
  if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
}
