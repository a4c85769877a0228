import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { CONTEXT_NAMES, type ContextName } from '@tessera/contracts';
import { RuntimeSettings, SharedRedisModule } from '@tessera/platform';
import { DeadLettersHttpController } from './admin/dead-letters.http.controller';
import { AccessTokenService } from './auth/access-token.service';
import { AuthHttpController } from './auth/auth.http.controller';
import { JwtAuthGuard } from './auth/jwt-auth.guard';
import { jwtModuleOptions } from './auth/jwt.options';
import { RolesGuard } from './auth/roles.guard';
import { UserStatusCache } from './auth/user-status.cache';
import { UserStatusMessagesController } from './auth/user-status.messages.controller';
import { OrdersHttpController } from './orders/orders.http.controller';
import { PaymentsHttpController } from './payments/payments.http.controller';
import { ProductCacheMessagesController } from './products/product-cache.messages.controller';
import { ProductCache } from './products/product.cache';
import { ProductsHttpController } from './products/products.http.controller';
import { BodylessRouteGuard } from './common/bodyless-route.guard';
import { MemoizedReflector } from './common/memoized-reflector';
import { GatewayThrottlerGuard, RateLimiter } from './throttling/gateway-throttler.guard';
import { RATE_LIMIT_COUNTERS, RateLimitCountersModule } from './throttling/rate-limit-counters.module';
import { throttlingOptions } from './throttling/throttling.options';
import { UsersHttpController } from './users/users.http.controller';

/**
 * The contexts this gateway sends messages to: the app must give it a client for each, and checks them for readiness.
 * Every context, since the admin's dead letters ask each one for its own.
 */
export const GATEWAY_REACHED_CONTEXTS: readonly ContextName[] = CONTEXT_NAMES;

/**
 * The HTTP API: controllers, authentication, roles and rate limits. It reaches
 * the contexts only through their clients (from MessagingModule) and imports
 * none of them, so it runs unchanged beside them or in a process of its own.
 */
@Module({
  imports: [
    SharedRedisModule,
    JwtModule.registerAsync({ inject: [ConfigService], useFactory: jwtModuleOptions }),
    ThrottlerModule.forRootAsync({ imports: [RateLimitCountersModule], inject: [RuntimeSettings, RATE_LIMIT_COUNTERS], useFactory: throttlingOptions }),
  ],
  controllers: [
    AuthHttpController,
    UsersHttpController,
    ProductsHttpController,
    OrdersHttpController,
    PaymentsHttpController,
    DeadLettersHttpController,
    UserStatusMessagesController,
    ProductCacheMessagesController,
  ],
  providers: [
    AccessTokenService,
    UserStatusCache,
    ProductCache,
    MemoizedReflector,
    RateLimiter,
    // Global guards run in this order: rate limits first, so that floods and password guessing are cut before any work;
    // a body on a route that takes none last, where a route's body pipe would refuse one.
    { provide: APP_GUARD, useClass: GatewayThrottlerGuard },
    { provide: APP_GUARD, useClass: JwtAuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
    { provide: APP_GUARD, useClass: BodylessRouteGuard },
  ],
})
export class GatewayModule {}
