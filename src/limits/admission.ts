import { OverloadedError } from '../common/errors';

/**
 * Admission control: how much GraphQL work may run at once. Operations are sorted by the cost
 * the cost limit computes before execution: above `expensiveCost` they share a few slots and a
 * cost budget (a page materialises its rows, objects and response together, so memory grows
 * with the pages in flight); the others (lookups, `authenticateClient`) have slots of their own,
 * so a flood of pages never starves them. Each class has a short queue: an operation that finds
 * its class full waits at most `queueMs` there, and beyond the queue it is refused at once with
 * OVERLOADED (HTTP 503, Retry-After). /healthz, /readyz and /metrics are not GraphQL and never
 * pass here.
 */
export interface AdmissionSettings {
  /** Operations costing more than this are expensive. */
  expensiveCost: number;
  maxExpensiveInFlight: number;
  /** Summed cost of the expensive operations in flight (one operation alone is always admitted). */
  maxCostInFlight: number;
  maxCheapInFlight: number;
  /** Operations that may wait, per class; 0: refuse at once when full. */
  queueLength: number;
  /** Longest wait in a queue. */
  queueMs: number;
}

/**
 * Defaults sized for the benchmark's page of 50 applications with clients, credentials and providers,
 * which costs 26,751 and holds about 4 MB while it runs: 8 such pages (under the default pool of 10
 * connections, leaving connections to the cheap class) and at most 200,000 of cost (four operations at
 * the QUERY_MAX_COST of 50,000) keep the work in flight at a few tens of MB. A lookup costs about 20 and
 * `authenticateClient` 6; a page with nested lists costs 536 at `first: 1`, so 1,000 separates them.
 */
export const DEFAULT_ADMISSION: AdmissionSettings = {
  expensiveCost: 1000,
  maxExpensiveInFlight: 8,
  maxCostInFlight: 200_000,
  maxCheapInFlight: 256,
  // A queued operation holds only its request and parsed document (a few kB), and must be able to wait
  // for a few pages to finish: with 250 ms, 16 connections on the bench's page (admitted 7 at a time)
  // were refused whenever the machine was busy, although nothing was overloaded. The queue is long
  // enough for every connection of a spike to wait its turn: refused at once, a client sends again at
  // once, and with 64 places the bench's 256 connections made 1,800 refusals a second whose parsing
  // and answering took the CPU from the pages admitted (24 pages/s accepted against 87 unloaded). A
  // wait that runs out costs one answer per connection per `queueMs`.
  queueLength: 512,
  queueMs: 2000,
};

export type AdmissionClass = 'cheap' | 'expensive';

interface Waiter {
  cost: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

class Lane {
  inFlight = 0;
  cost = 0;
  readonly queue: Waiter[] = [];
  constructor(
    readonly name: AdmissionClass,
    private readonly maxInFlight: number,
    private readonly maxCost: number,
  ) {}

  fits(cost: number): boolean {
    return this.inFlight < this.maxInFlight && (this.inFlight === 0 || this.cost + cost <= this.maxCost);
  }

  take(cost: number): void {
    this.inFlight++;
    this.cost += cost;
  }
}

export class Admission {
  private readonly cheap: Lane;
  private readonly expensive: Lane;
  private readonly retryAfterSeconds: number;

  constructor(
    readonly settings: AdmissionSettings,
    /** Called for every refusal (metrics). */
    private readonly onReject: (admissionClass: AdmissionClass) => void = () => {},
  ) {
    this.cheap = new Lane('cheap', settings.maxCheapInFlight, Number.POSITIVE_INFINITY);
    this.expensive = new Lane('expensive', settings.maxExpensiveInFlight, settings.maxCostInFlight);
    this.retryAfterSeconds = Math.max(1, Math.ceil(settings.queueMs / 1000));
  }

  classOf(cost: number): AdmissionClass {
    return cost > this.settings.expensiveCost ? 'expensive' : 'cheap';
  }

  /**
   * Admits an operation of this cost: resolves at once when its class has room (no timer, no
   * promise beyond the caller's), after a wait in the queue otherwise; rejects with
   * OVERLOADED when the queue is full or the wait runs out. Every admission must be paired
   * with one `release(cost)`.
   */
  admit(cost: number): Promise<void> | undefined {
    const lane = this.laneOf(cost);
    // First come, first served: nobody overtakes a waiting operation.
    if (lane.queue.length === 0 && lane.fits(cost)) {
      lane.take(cost);
      return undefined;
    }
    if (lane.queue.length >= this.settings.queueLength || this.settings.queueMs <= 0) throw this.refuse(lane);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        cost,
        resolve,
        reject,
        timer: setTimeout(() => {
          lane.queue.splice(lane.queue.indexOf(waiter), 1);
          reject(this.refuse(lane));
          // The head of the queue may have been what held the others back.
          this.drain(lane);
        }, this.settings.queueMs),
      };
      lane.queue.push(waiter);
    });
  }

  release(cost: number): void {
    const lane = this.laneOf(cost);
    lane.inFlight--;
    lane.cost -= cost;
    this.drain(lane);
  }

  /** Operations in flight, their summed cost, and those waiting, per class (metrics, tests). */
  state(admissionClass: AdmissionClass): { inFlight: number; cost: number; queued: number } {
    const lane = admissionClass === 'cheap' ? this.cheap : this.expensive;
    return { inFlight: lane.inFlight, cost: lane.cost, queued: lane.queue.length };
  }

  private laneOf(cost: number): Lane {
    return cost > this.settings.expensiveCost ? this.expensive : this.cheap;
  }

  private drain(lane: Lane): void {
    while (lane.queue.length > 0 && lane.fits(lane.queue[0].cost)) {
      const waiter = lane.queue.shift()!;
      clearTimeout(waiter.timer);
      lane.take(waiter.cost);
      waiter.resolve();
    }
  }

  private refuse(lane: Lane): OverloadedError {
    this.onReject(lane.name);
    return new OverloadedError(this.retryAfterSeconds);
  }
}
