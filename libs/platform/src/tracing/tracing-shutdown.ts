import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { stopTracing } from './start-tracing';

/** Exports the spans still buffered when the process stops: the last requests' traces would be lost otherwise. */
@Injectable()
export class TracingShutdown implements OnApplicationShutdown {
  onApplicationShutdown(): Promise<void> {
    return stopTracing();
  }
}
