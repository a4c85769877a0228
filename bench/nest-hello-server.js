#!/usr/bin/env node
// Nest on Fastify and nothing else: one controller answering GET /health/live as bench/baseline-server.js does, with
// Nest's defaults and no logger. The bench measures the health check against it as well as against Fastify alone, so
// that the distance from Fastify's hello splits into what Nest's pipeline costs and what Tessera adds to it (request
// id and correlation, security headers, rate limits, authentication, metrics, request logs).
// PORT; started by bench/run.js.
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');

class HealthController {
  live() {
    return { status: 'ok' };
  }
}
Get('live')(HealthController.prototype, 'live', Object.getOwnPropertyDescriptor(HealthController.prototype, 'live'));
Controller('health')(HealthController);

class NestHelloModule {}
Module({ controllers: [HealthController] })(NestHelloModule);

async function main() {
  const app = await NestFactory.create(NestHelloModule, new FastifyAdapter(), { logger: false });
  await app.listen(Number(process.env.PORT), '127.0.0.1');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
