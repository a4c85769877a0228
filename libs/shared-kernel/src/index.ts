export * from './aggregate-root';
export * from './domain-error';
export * from './domain-event';
export * from './money';
export * from './uuid';
export * from './version-conflict';
export * from './fault-point';
export * from './repository-ports';
