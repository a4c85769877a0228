import { Clock } from '../clock';

/** A clock that stands still until a test moves it. */
export class FakeClock extends Clock {
  constructor(private current: Date = new Date('2030-01-01T10:00:00.000Z')) {
    super();
  }

  override now(): Date {
    return new Date(this.current);
  }

  set(now: Date): void {
    this.current = new Date(now);
  }

  advanceSeconds(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}
