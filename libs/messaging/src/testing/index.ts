/** The messaging fakes every context's specs use; never imported by production code (dependency-cruiser checks it). */
export * from './fake-dead-letters';
export * from './fake-idempotency.store';
export * from './fake-inbox';
export * from './fake-outbox';
export * from './next-turn';
export * from './recorded-spans';
