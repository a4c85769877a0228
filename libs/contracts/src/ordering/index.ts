export * from './ordering.events';
export * from './ordering.messages';
export * from './ordering.patterns';
