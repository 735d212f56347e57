/**
 * One subscription's delivery: it reads the subscription's source (the items its
 * resolver streams: replayed, gap-filled, scoped), takes each item's payload from its
 * shape (built once for every subscription of that shape) and writes the frame to its
 * socket itself, so graphql-ws neither executes nor serialises anything per subscription.
 *
 * To graphql-ws it is the subscription's result stream, one that never yields: `next()`
 * settles when the source ends (graphql-ws then sends `complete`) or fails (`error`, after
 * every frame written before it), and `return()` (the client's `complete`, a closed socket)
 * ends the source at once.
 */
import type { ExecutionResult } from 'graphql';
import type { Shape } from './shapes.js';
import type { SocketFrames } from './socket-frames.js';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A subscription's source stream as graphql-ws holds it between `subscribe` and
 * `onOperation`, which hands it to a FrameSink. Its items are not execution results, so
 * graphql-ws must never iterate it itself: doing so fails loudly.
 */
export class SubscriptionSource implements AsyncIterable<ExecutionResult> {
  constructor(readonly items: AsyncIterator<unknown>) {}

  [Symbol.asyncIterator](): AsyncIterator<ExecutionResult> {
    void this.items.return?.();
    throw new Error('a subscription source was iterated without a FrameSink');
  }
}

export class FrameSink implements AsyncIterableIterator<ExecutionResult, undefined> {
  private ended = false;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly shape: Shape,
    private readonly frames: SocketFrames,
    private readonly id: string,
  ) {}

  async next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    try {
      while (!this.ended) {
        const step = await this.source.next();
        if (step.done || this.ended) break;
        const payload = await this.shape.payload(step.value);
        // A socket closed (or closed for falling behind) takes nothing more: end here.
        if (this.ended || !this.frames.next(this.id, payload)) break;
        this.shape.framesSent.inc();
      }
    } catch (err) {
      await this.end();
      throw err;
    }
    await this.end();
    return DONE;
  }

  async return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    await this.end();
    return DONE;
  }

  async throw(err?: unknown): Promise<IteratorResult<ExecutionResult, undefined>> {
    await this.end();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.shape.release();
    await this.source.return?.();
  }
}
