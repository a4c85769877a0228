export * from './users.events';
export * from './users.messages';
export * from './users.patterns';
