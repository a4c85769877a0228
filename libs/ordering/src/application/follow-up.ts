import type { LoggerService } from '@nestjs/common';
import { messageOf } from './remote-errors';

/**
 * Runs a call to another context that follows a committed change, such as
 * releasing the stock of a cancelled order. Its failure is logged, not
 * thrown: the change happened, and the integration event written with it in
 * the outbox makes the other context do the same work later.
 */
export async function followUp(logger: Pick<LoggerService, 'warn'>, what: string, call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    logger.warn(`${what} failed, the integration event will make up for it: ${messageOf(error)}`);
    return false;
  }
}
