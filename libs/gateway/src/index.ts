export { GATEWAY_REACHED_CONTEXTS, GatewayModule } from './gateway.module';
export { createFastifyAdapter } from './http/fastify-adapter.factory';
export { configureHttpApp } from './http/http-app.configure';
