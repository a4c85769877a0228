export * from './context-name';
export * from './error-codes';
export * from './health';
export * from './money.dto';
export * from './page';
export * from './integration-event';
export * from './requester';
export * from './event-subscribers';
