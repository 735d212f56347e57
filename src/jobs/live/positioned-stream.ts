/**
 * A live stream whose items carry a position, in order, with no gap and no repeat (a job's
 * events and their sequence numbers). Two streams of one source (the same job) give the
 * same item at the same position, whatever position each started after, so a reader that
 * has read its own stream up to a position may go on reading another one of that source
 * from there. The API's subscriptions use this to share one stream per subscription shape
 * once each has caught up (src/server/fan-out/live-group.ts).
 */
export interface PositionedStream<T> extends AsyncIterableIterator<T, undefined> {
  position(item: T): number;
  /**
   * True once the stream has handed out what was stored when it began: what it gives
   * from then on comes as it is written (not a backlog read as fast as it can be sent).
   */
  readonly following: boolean;
}

export function withPositions<T>(stream: AsyncIterableIterator<T, undefined>, position: (item: T) => number, following: () => boolean): PositionedStream<T> {
  return Object.defineProperties(stream, { position: { value: position }, following: { get: following } }) as PositionedStream<T>;
}

export function isPositionedStream(value: unknown): value is PositionedStream<unknown> {
  return typeof (value as Partial<PositionedStream<unknown>> | null)?.position === 'function' && typeof (value as AsyncIterator<unknown>).next === 'function';
}
