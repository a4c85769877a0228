import { Injectable } from '@nestjs/common';

/** Where handlers get the time from, so that tests can move it. */
@Injectable()
export class Clock {
  now(): Date {
    return new Date();
  }
}
