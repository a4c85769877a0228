import { describeWith, startMonolithWithExtracted } from '../harness/topologies';
import { describeApi } from './api.suite';

describeWith(['postgres', 'nats'])('the monolith with ordering extracted into a process of its own, over NATS on Postgres', () => {
  describeApi(() => startMonolithWithExtracted('postgres', 'nats', ['ordering']));
});
