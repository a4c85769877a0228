import { applyDecorators, Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { CorrelationInterceptor } from './correlation/correlation.interceptor';
import { RpcErrorFilter } from './errors/rpc-error.filter';
import { EventDeliveryInterceptor } from './events/event-delivery.interceptor';

/**
 * Marks a context's message handlers: the context's only face, with errors
 * sent as codes, each handled for the request it came with, and its events
 * retried, then dead-lettered, by one rule (EventDeliveryInterceptor).
 */
export function MessagesController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(RpcErrorFilter), UseInterceptors(CorrelationInterceptor, EventDeliveryInterceptor));
}
