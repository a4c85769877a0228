export * from './payments.events';
export * from './payments.messages';
export * from './payments.patterns';
