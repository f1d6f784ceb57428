/**
 * The simulator's clock: the server serves only what it has received before `now()`, judges retention and
 * cursor age by it, and tests move it to make more data arrive. A manual clock stands still until moved; a
 * real one follows the system clock, shifted by whatever it was moved.
 */
export class SimulatorClock {
  private offsetMs = 0;
  private manualMs: number | undefined;

  /** `start` given: a manual clock that stands at `start`. Omitted: the system clock. */
  constructor(start?: Date | string | number) {
    if (start !== undefined) {
      const ms = start instanceof Date ? start.getTime() : typeof start === 'number' ? start : Date.parse(start);
      if (!Number.isFinite(ms)) throw new RangeError('clock start is not a valid date');
      this.manualMs = ms;
    }
  }

  get manual(): boolean {
    return this.manualMs !== undefined;
  }

  nowMs(): number {
    return this.manualMs ?? Date.now() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  /** Moves the clock by `ms` (negative moves it back). */
  advance(ms: number): Date {
    if (this.manualMs !== undefined) this.manualMs += ms;
    else this.offsetMs += ms;
    return this.now();
  }

  /** Puts the clock at `date`. */
  set(date: Date | string | number): Date {
    const ms = date instanceof Date ? date.getTime() : typeof date === 'number' ? date : Date.parse(date);
    if (!Number.isFinite(ms)) throw new RangeError('clock time is not a valid date');
    return this.advance(ms - this.nowMs());
  }
}
