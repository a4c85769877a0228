export * from './catalog.events';
export * from './catalog.messages';
export * from './catalog.patterns';
export * from './catalog.reservations';
