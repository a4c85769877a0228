import { applyDecorators, Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { RpcErrorFilter } from './errors/rpc-error.filter';
import { MessageHandlingInterceptor } from './message-handling.interceptor';

/**
 * Marks a context's message handlers: the context's only face, with errors
 * sent as codes, each handled for the request it came with, and its events
 * retried, then dead-lettered, by one rule (EventDeliveryInterceptor).
 */
export function MessagesController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(RpcErrorFilter), UseInterceptors(MessageHandlingInterceptor));
}
