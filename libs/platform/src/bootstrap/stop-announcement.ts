import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

/**
 * Says in the log that a stop was asked for, and by which signal. Nest then
 * closes the HTTP server, which answers the requests in hand, and ends the
 * process by the same signal, as one that signal ended (exit status 128 + its
 * number: 143 for SIGTERM, 130 for Ctrl-C).
 */
@Injectable()
export class StopAnnouncement implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Process');

  beforeApplicationShutdown(signal?: string): void {
    if (signal) this.logger.log(`${signal}: answering the requests in hand, then stopping`);
  }
}
