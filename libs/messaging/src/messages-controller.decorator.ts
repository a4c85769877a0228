import { applyDecorators, Controller, UseFilters, UseInterceptors } from '@nestjs/common';
import { CorrelationInterceptor } from './correlation/correlation.interceptor';
import { RpcErrorFilter } from './errors/rpc-error.filter';

/** Marks a context's message handlers: the context's only face, with errors sent as codes, each handled for the request it came with. */
export function MessagesController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(RpcErrorFilter), UseInterceptors(CorrelationInterceptor));
}
