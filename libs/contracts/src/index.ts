export * from './common';
export * from './catalog';
export * from './ordering';
export * from './payments';
export * from './users';
