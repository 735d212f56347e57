/**
 * The caught-up subscriptions of one shape whose source is positioned (a job's events):
 * they read one stream together. Each item of that stream is filtered once (by the event
 * feed, for the one stream), built and serialised once (by the shape), and then written
 * to every member in one synchronous loop: a member costs a comparison and a socket write,
 * no promise, no iterator, no execution.
 *
 * The stream is the source of the subscription that started the group; a subscription
 * that comes later reads its own source (its replay from its own `afterSequence`) until it
 * reaches the group's position and joins then (FrameSink). A member is sent each item past
 * its own position, so nothing is sent twice or skipped: the stream is gapless from where
 * the group took it over. The stream's end completes every member; its failure fails them
 * all (as it would have failed each). The group closes the stream when its last member leaves.
 */
import type { Counter } from 'prom-client';
import type { PositionedStream } from '../../jobs/index.js';
import type { SocketFrames } from './socket-frames.js';

/** What the group needs of its shape: each item's payload, built once, and the frame count. */
export interface GroupPayloads {
  payload(item: unknown): Promise<Buffer>;
  readonly framesSent: Counter.Internal;
}

export interface GroupMember {
  /** The subscription's id on its socket. */
  readonly id: string;
  readonly frames: SocketFrames;
  /** The position of the last item this member was sent. */
  last: number;
  /** Called once when the member's part ends: with an error when the stream failed. */
  end(err?: unknown): void;
}

export class LiveGroup {
  private readonly members = new Set<GroupMember>();
  /**
   * The position of the last item handed to the members: the stream goes on from there.
   * Undefined until the stream gives its first item (where it started is not known before).
   */
  position: number | undefined;
  private ended = false;

  /**
   * @param stream read from now on by the group alone
   * @param position where `stream` stands, if it has given items already
   * @param onEnd called once when the group ends (it then takes no members)
   */
  constructor(
    private readonly stream: PositionedStream<unknown>,
    private readonly shape: GroupPayloads,
    position: number | undefined,
    private readonly onEnd: (group: LiveGroup) => void,
  ) {
    this.position = position;
    void this.pump();
  }

  /** Adds a member whose next item is the one after `member.last`; false once the group has ended. */
  join(member: GroupMember): boolean {
    if (this.ended) return false;
    this.members.add(member);
    return true;
  }

  /** A member's subscription ended (unsubscribed, socket closed): the stream closes with the last. */
  leave(member: GroupMember): void {
    if (!this.members.delete(member) || this.members.size > 0) return;
    this.finish(undefined);
    void this.stream.return?.();
  }

  private async pump(): Promise<void> {
    try {
      for (;;) {
        const step = await this.stream.next();
        if (step.done || this.ended) break;
        const position = this.stream.position(step.value);
        const payload = await this.shape.payload(step.value);
        if (this.ended) break;
        let sent = 0;
        for (const member of this.members) {
          if (position <= member.last) continue;
          member.last = position;
          if (member.frames.push(member.id, payload)) {
            sent++;
            continue;
          }
          // The socket takes no more frames (closed, or closed for falling behind).
          this.members.delete(member);
          member.end();
        }
        if (sent > 0) this.shape.framesSent.inc(sent);
        this.position = position;
        if (this.members.size === 0) {
          // Every member's socket went away while this item was being built or sent.
          this.finish(undefined);
          void this.stream.return?.();
          return;
        }
      }
      this.finish(undefined);
    } catch (err) {
      this.finish(err ?? new Error('the shared stream failed'));
      // A payload that could not be built leaves the stream open: close it.
      this.stream.return?.().catch(() => {});
    }
  }

  private finish(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.onEnd(this);
    const members = [...this.members];
    this.members.clear();
    for (const member of members) member.end(err);
  }
}
