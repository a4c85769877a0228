import { BaseRpcContext } from '@nestjs/microservices';

/** The context handed to message handlers served by the in-process transport: the pattern. */
export class InProcessContext extends BaseRpcContext<[string]> {
  constructor(pattern: string) {
    super([pattern]);
  }

  getPattern(): string {
    return this.args[0];
  }
}
