import { applyDecorators, Controller, UseFilters } from '@nestjs/common';
import { RpcErrorFilter } from './errors/rpc-error.filter';

/** Marks a context's message handlers: the context's only face, with errors sent as codes. */
export function MessagesController(): ClassDecorator {
  return applyDecorators(Controller(), UseFilters(RpcErrorFilter));
}
