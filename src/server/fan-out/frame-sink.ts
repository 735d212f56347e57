/**
 * One subscription's delivery. It reads the subscription's own source (what its resolver
 * streams: replayed, gap-filled, scoped), takes each item's payload from its shape (built
 * once for every subscription of that shape) and writes the frame to its socket itself, so
 * graphql-ws neither executes nor serialises anything per subscription.
 *
 * A positioned source (a job's events) is read only until the subscription has caught up
 * with its shape's shared stream: then the own source is closed and the subscription joins
 * that stream's group (live-group.ts) at the position it reached; with no group yet, its
 * own source becomes the shape's shared stream once it has replayed what was stored.
 * What the own source gives is read at the socket's pace (a replay waits while the socket
 * holds WS_SEND_BUFFER_BYTES unsent); what a group pushes waits for no one.
 *
 * To graphql-ws it is the subscription's result stream, one that never yields: `next()`
 * settles when the subscription ends (graphql-ws then sends `complete`) or fails (`error`,
 * after every frame written before it), and `return()` (the client's `complete`, a closed
 * socket) ends it at once.
 */
import type { ExecutionResult } from 'graphql';
import { isPositionedStream, type PositionedStream } from '../../jobs/index.js';
import type { GroupMember, LiveGroup } from './live-group.js';
import type { Shape } from './shapes.js';
import type { SocketFrames } from './socket-frames.js';

type Step = IteratorResult<ExecutionResult, undefined>;
const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A subscription's source stream as graphql-ws holds it between `subscribe` and
 * `onOperation`, which hands it to a FrameSink. Its items are not execution results, so
 * graphql-ws must never iterate it itself: doing so fails loudly.
 */
export class SubscriptionSource implements AsyncIterable<ExecutionResult> {
  constructor(readonly items: AsyncIterator<unknown>) {}

  [Symbol.asyncIterator](): AsyncIterator<ExecutionResult> {
    closeQuietly(this.items);
    throw new Error('a subscription source was iterated without a FrameSink');
  }
}

export class FrameSink implements AsyncIterableIterator<ExecutionResult, undefined> {
  private ended = false;
  /** False once the source belongs to a group (or was closed on joining one). */
  private ownsSource = true;
  private membership: { group: LiveGroup; member: GroupMember } | undefined;

  constructor(
    private readonly source: AsyncIterator<unknown>,
    private readonly shape: Shape,
    private readonly frames: SocketFrames,
    private readonly id: string,
  ) {}

  async next(): Promise<Step> {
    const positioned = isPositionedStream(this.source) ? this.source : undefined;
    /** Position of the last item written from the own source. */
    let last: number | undefined;
    try {
      while (!this.ended) {
        const joined = positioned && this.join(positioned, last);
        if (joined) return await joined;
        // The own source may be a backlog (a replay): read it at the socket's pace.
        if (!this.frames.hasRoom && !(await this.frames.whenWritable())) break;
        const step = await this.source.next();
        if (step.done || this.ended) break;
        const payload = await this.shape.payload(step.value);
        // A socket closed (or closed for falling behind) takes nothing more: end here.
        if (this.ended || !this.frames.send(this.id, payload)) break;
        this.shape.framesSent.inc();
        if (positioned) last = positioned.position(step.value);
      }
    } catch (err) {
      await this.end();
      throw err;
    }
    await this.end();
    return DONE;
  }

  async return(): Promise<Step> {
    await this.end();
    return DONE;
  }

  async throw(err?: unknown): Promise<Step> {
    await this.end();
    throw err;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * Joins the shape's group when this subscription has caught up with it (or starts the
   * group with its own source); resolves when its part in the group ends. Undefined: go on
   * reading the own source.
   */
  private join(source: PositionedStream<unknown>, last: number | undefined): Promise<Step> | undefined {
    let group = this.shape.liveGroup;
    let starting = false;
    if (!group) {
      // A group pushes what its stream gives without waiting for anyone: only a stream
      // that has handed out its stored backlog may become one.
      if (!source.following) return undefined;
      group = this.shape.startGroup(source, last);
      starting = true;
    } else if (last === undefined || group.position === undefined || last < group.position) return undefined;
    let settle!: { resolve: (step: Step) => void; reject: (err: unknown) => void };
    const ended = new Promise<Step>((resolve, reject) => (settle = { resolve, reject }));
    const member: GroupMember = {
      id: this.id,
      frames: this.frames,
      last: last ?? -Infinity,
      end: (err) => {
        this.membership = undefined;
        if (err === undefined) settle.resolve(DONE);
        else settle.reject(err);
      },
    };
    if (!group.join(member)) return undefined;
    this.membership = { group, member };
    if (!starting) closeQuietly(source);
    this.ownsSource = false;
    return ended;
  }

  private async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    const membership = this.membership;
    if (membership) {
      membership.group.leave(membership.member);
      membership.member.end();
    }
    this.shape.release();
    if (this.ownsSource) await this.source.return?.();
  }
}

function closeQuietly(it: AsyncIterator<unknown>): void {
  it.return?.().catch(() => {});
}
