import type { LoggerService } from '@nestjs/common';
import { messageOf } from './remote-errors';

/** How to undo a step of a process. */
export interface Compensation {
  undo: () => Promise<unknown>;
  /**
   * Undo also when the step itself failed with this error, because its
   * outcome is then unknown (a timeout: the other side may have done it).
   */
  alsoWhenFailed?: (error: unknown) => boolean;
}

/**
 * Runs the steps of one process in order, remembering how to undo each that
 * can be undone. When a later step fails, it undoes the steps done so far,
 * the latest first, and then lets the failure through. An undo that fails is
 * logged and the others still run: the caller must hear the first failure.
 */
export class ProcessManager {
  private readonly undos: { step: string; undo: () => Promise<unknown> }[] = [];

  constructor(
    private readonly name: string,
    private readonly logger: Pick<LoggerService, 'error'>,
  ) {}

  async run<T>(body: (process: ProcessManager) => Promise<T>): Promise<T> {
    try {
      return await body(this);
    } catch (error) {
      await this.compensate(error);
      throw error;
    }
  }

  async step<T>(step: string, action: () => Promise<T>, compensation?: Compensation): Promise<T> {
    try {
      const result = await action();
      if (compensation) this.undos.push({ step, undo: compensation.undo });
      return result;
    } catch (error) {
      if (compensation?.alsoWhenFailed?.(error)) this.undos.push({ step, undo: compensation.undo });
      throw error;
    }
  }

  private async compensate(cause: unknown): Promise<void> {
    for (const { step, undo } of this.undos.splice(0).reverse()) {
      try {
        await undo();
      } catch (error) {
        this.logger.error(`${this.name}: undoing "${step}" after "${messageOf(cause)}" failed: ${messageOf(error)}`);
      }
    }
  }
}
