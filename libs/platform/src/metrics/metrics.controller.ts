import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { collectDefaultMetrics, register } from 'prom-client';

let defaultMetricsCollected = false;

/**
 * GET /metrics on every process (a context process on its health PORT): the
 * process's Prometheus registry, Node's default process metrics included.
 */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor() {
    // Once per process: the default collectors register themselves, and a second registration is refused.
    if (!defaultMetricsCollected) {
      collectDefaultMetrics();
      defaultMetricsCollected = true;
    }
  }

  @Get()
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Prometheus metrics of this process, in the text exposition format' })
  @ApiOkResponse({ description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } })
  metrics(): Promise<string> {
    return register.metrics();
  }
}
