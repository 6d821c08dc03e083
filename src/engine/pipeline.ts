/**
 * A bounded, ordered pipeline: work is started in order, at most `depth` items in flight, and
 * finished (their results written) in the same order. Reading and dispatching the next items
 * overlaps with the computation of earlier ones; memory stays bounded by `depth` slots.
 */
export class OrderedPipeline<T> {
  readonly #depth: number;
  readonly #finish: (item: T) => void | Promise<void>;
  readonly #queue: Promise<T>[] = [];

  constructor(depth: number, finish: (item: T) => void | Promise<void>) {
    this.#depth = Math.max(1, depth);
    this.#finish = finish;
  }

  /** Slots in use; a slot becomes free again when its item has been finished. */
  get inFlight(): number {
    return this.#queue.length;
  }

  /** Wait until a slot is free (finishing the oldest items), then return. */
  async reserve(): Promise<void> {
    while (this.#queue.length >= this.#depth) await this.#finishOldest();
  }

  /** Add started work; call `reserve()` first. */
  push(work: Promise<T>): void {
    // Rejections are handled when the item is finished; don't let them go unobserved meanwhile.
    work.catch(() => undefined);
    this.#queue.push(work);
  }

  /** Finish every item still in flight, in order. */
  async drain(): Promise<void> {
    while (this.#queue.length > 0) await this.#finishOldest();
  }

  /** Wait for the work in flight to settle without finishing it (after a failure). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#queue.splice(0));
  }

  async #finishOldest(): Promise<void> {
    const item = await this.#queue[0]!;
    this.#queue.shift();
    await this.#finish(item);
  }
}
