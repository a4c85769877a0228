export * from './config/env.schema';
export * from './config/production-secret';
export * from './database/context-database.module';
export * from './database/embedded-database.service';
export * from './database/embedded-postgres';
export * from './health/health.module';
export * from './logging/logger';
export * from './platform.module';
