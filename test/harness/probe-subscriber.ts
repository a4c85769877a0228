import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { CATALOG_EVENTS, CONTEXT_NAMES } from '@tessera/contracts';
import type { ReservationExpiredEvent } from '@tessera/contracts';
import { MessagesController, MessagingModule, startContextServers, Topology } from '@tessera/messaging';
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A subscriber process for the messaging contract's crash case, run with
 * run-typescript.js: it hosts the contexts of PROBE_TOPOLOGY and consumes
 * catalog.reservation.expired, as ordering does. The first delivery of an
 * event leaves `<eventId>.started` in PROBE_DIR and never finishes, so that
 * the test can SIGKILL the process in the middle of it; a later delivery
 * adds this process's pid to `<eventId>.processed`. It prints "listening"
 * once its servers take events.
 */
const topology = JSON.parse(process.env.PROBE_TOPOLOGY!) as Topology;
const markers = process.env.PROBE_DIR!;

@MessagesController('ordering')
class CrashProbeMessagesController {
  @EventPattern(CATALOG_EVENTS.RESERVATION_EXPIRED)
  async onReservationExpired(@Payload() event: ReservationExpiredEvent): Promise<void> {
    const started = join(markers, `${event.eventId}.started`);
    if (!existsSync(started)) {
      writeFileSync(started, String(process.pid));
      await new Promise<never>(() => undefined);
    }
    appendFileSync(join(markers, `${event.eventId}.processed`), `${process.pid}\n`);
  }
}

@Module({ controllers: [CrashProbeMessagesController] })
class CrashProbeModule {}

@Module({ imports: [MessagingModule.forTopology(topology, CONTEXT_NAMES), CrashProbeModule] })
class CrashProbeAppModule {}

void (async () => {
  const app = await NestFactory.create(CrashProbeAppModule, new FastifyAdapter(), { logger: ['error'] });
  await startContextServers(app);
  await app.init();
  process.stdout.write('listening\n');
})();
