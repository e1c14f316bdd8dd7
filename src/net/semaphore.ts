/** A fixed number of slots for work in flight; further callers wait in arrival order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly limit: number) {}

  get activeCount(): number {
    return this.active;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** Resolves true once a slot is held, or false if `signal` aborts first (the caller then holds nothing). */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const wake = (): void => {
        signal.removeEventListener('abort', withdraw);
        resolve(true);
      };
      const withdraw = (): void => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        resolve(false);
      };
      this.waiting.push(wake);
      signal.addEventListener('abort', withdraw, { once: true });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
