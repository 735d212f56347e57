/**
 * One file's bytes on their way into GridFS's layout: cut into chunks of `chunkSize` as they
 * arrive, each inserted under its own `_id` (chunk-ids.ts), and `<bucket>.files` written once
 * the last is stored, so any GridFS reader sees the file only whole. Memory holds at most two
 * chunks: the one being filled and the one being inserted. `write` resolves once the caller
 * may send more (chunk n is sent only after n−1 is stored, which also keeps the stored chunks
 * a prefix 0 … k−1 for the sweep of an interrupted upload).
 */
import { ObjectId, type Collection } from 'mongodb';
import { CHUNK_IDS_BY_N, chunkId } from './chunk-ids.js';
import type { ChunkDoc, GridFileDoc } from './docs.js';

export interface ChunkUploadTarget {
  chunks: Collection<ChunkDoc>;
  files: Collection<GridFileDoc>;
  /** Removes chunks 0 … written−1 and the pending-upload note (abort). */
  discard(fileId: string, written: number): Promise<void>;
}

export class ChunkUpload {
  private buffer: Buffer;
  private filled = 0;
  /** Chunks sent to the database (stored or in flight). */
  private sent = 0;
  private length = 0;
  private inFlight: Promise<unknown> | null = null;
  private state: 'open' | 'ended' | 'aborted' = 'open';

  constructor(
    private readonly target: ChunkUploadTarget,
    readonly fileId: string,
    private readonly filename: string,
    private readonly chunkSize: number,
  ) {
    this.buffer = Buffer.allocUnsafe(chunkSize);
  }

  /** Takes the next bytes; resolves when more may be written. Throws when storing a chunk failed. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.state !== 'open') throw new Error(`upload ${this.fileId} is ${this.state}`);
    let offset = 0;
    while (offset < bytes.length) {
      const take = Math.min(this.chunkSize - this.filled, bytes.length - offset);
      this.buffer.set(bytes.subarray(offset, offset + take), this.filled);
      this.filled += take;
      this.length += take;
      offset += take;
      if (this.filled === this.chunkSize) await this.send();
    }
  }

  /** Stores the last chunk and the file's GridFS record; resolves with the file's length. */
  async end(): Promise<number> {
    if (this.state !== 'open') throw new Error(`upload ${this.fileId} is ${this.state}`);
    this.state = 'ended';
    if (this.filled > 0) await this.send();
    await this.inFlight;
    const file: GridFileDoc = {
      _id: new ObjectId(this.fileId),
      length: this.length,
      chunkSize: this.chunkSize,
      uploadDate: new Date(),
      filename: this.filename,
      metadata: { chunkIds: CHUNK_IDS_BY_N },
    };
    await this.target.files.insertOne(file);
    return this.length;
  }

  /** Removes every chunk sent (after the one in flight settles) and the pending note; idempotent. */
  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    await this.inFlight?.catch(() => {});
    await this.target.discard(this.fileId, this.sent);
  }

  /** Sends the filled chunk once the one before it is stored. */
  private async send(): Promise<void> {
    await this.inFlight;
    const n = this.sent++;
    const data = this.filled === this.chunkSize ? this.buffer : this.buffer.subarray(0, this.filled);
    const inserting = this.target.chunks.insertOne({ _id: chunkId(this.fileId, n), files_id: new ObjectId(this.fileId), n, data });
    // Its failure is thrown by the next write or end; until then it must not count as unhandled.
    inserting.catch(() => {});
    this.inFlight = inserting;
    this.buffer = Buffer.allocUnsafe(this.chunkSize);
    this.filled = 0;
  }
}
