export { OrderingModule } from './ordering.module';
// What builds the context's schema: for a tool that makes the schema on another database (npm run move-context).
export { ORDERING_MIGRATIONS } from './infrastructure/migrations';
