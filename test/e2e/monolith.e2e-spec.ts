import { databasesUnderTest, startMonolith } from '../harness/topologies';
import { describeApi } from './api.suite';

describe.each(databasesUnderTest())('the monolith on the %s database', (database) => {
  describeApi(() => startMonolith(database));
});
