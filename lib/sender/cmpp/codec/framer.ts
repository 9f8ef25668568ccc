/**
 * Cuts a TCP byte stream into CMPP frames. TCP gives no message boundaries: one read may hold
 * half a frame or forty of them, so frames are found by their Total_Length field alone.
 *
 * A length under 12 (no room for the header) or over the largest legal frame can only come from a
 * broken or hostile peer, and once the stream is out of step nothing after it can be trusted: the
 * framer reports the reason and stops, and the connection must be closed. The length is checked
 * before anything is allocated, so a claimed 4 GB frame costs nothing.
 */
import { HEADER_LENGTH, MAX_FRAME_LENGTH } from "./constants";

export interface FramingError {
  reason: string;
}

export class CmppFramer {
  /** The frame being completed across reads, allocated at its (checked) length. */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  /** Up to 4 octets of a length field split across reads. */
  private readonly lengthBytes = Buffer.alloc(4);
  private lengthFilled = 0;
  private failure: FramingError | null = null;

  constructor(private readonly maxFrameLength: number = MAX_FRAME_LENGTH) {}

  /** Octets held between reads: at most one frame, so never more than maxFrameLength. */
  get bufferedBytes(): number {
    return this.partialFilled + this.lengthFilled;
  }

  get failed(): FramingError | null {
    return this.failure;
  }

  /** Stops emitting frames (e.g. after TERMINATE, when the rest of a read must be ignored). */
  stop(reason = "stopped"): void {
    this.failure ??= { reason };
    this.partial = null;
    this.partialFilled = 0;
    this.lengthFilled = 0;
  }

  /**
   * Feeds one read. Whole frames are passed to `onFrame` in order; a frame that lies entirely in
   * `chunk` is a view into it, valid only during the callback (decode it there, copy what you keep).
   * Returns the framing error that stopped the stream, if any.
   */
  push(chunk: Buffer, onFrame: (frame: Buffer) => void): FramingError | null {
    let offset = 0;
    const end = chunk.length;
    while (offset < end && this.failure === null) {
      if (this.partial !== null) {
        const take = Math.min(this.partial.length - this.partialFilled, end - offset);
        chunk.copy(this.partial, this.partialFilled, offset, offset + take);
        this.partialFilled += take;
        offset += take;
        if (this.partialFilled === this.partial.length) {
          const frame = this.partial;
          this.partial = null;
          this.partialFilled = 0;
          onFrame(frame);
        }
        continue;
      }
      if (this.lengthFilled > 0 || end - offset < 4) {
        const take = Math.min(4 - this.lengthFilled, end - offset);
        chunk.copy(this.lengthBytes, this.lengthFilled, offset, offset + take);
        this.lengthFilled += take;
        offset += take;
        if (this.lengthFilled < 4) break;
        this.lengthFilled = 0;
        const length = this.lengthBytes.readUInt32BE(0);
        if (!this.acceptLength(length)) break;
        this.partial = Buffer.allocUnsafe(length);
        this.lengthBytes.copy(this.partial, 0);
        this.partialFilled = 4;
        continue;
      }
      const length = chunk.readUInt32BE(offset);
      if (!this.acceptLength(length)) break;
      if (end - offset >= length) {
        const frame = chunk.subarray(offset, offset + length);
        offset += length;
        onFrame(frame);
      } else {
        this.partial = Buffer.allocUnsafe(length);
        chunk.copy(this.partial, 0, offset, end);
        this.partialFilled = end - offset;
        offset = end;
      }
    }
    return this.failure;
  }

  private acceptLength(length: number): boolean {
    if (length < HEADER_LENGTH) {
      this.stop(`Total_Length ${length} is shorter than the 12-octet header`);
      return false;
    }
    if (length > this.maxFrameLength) {
      this.stop(`Total_Length ${length} exceeds the largest legal frame (${this.maxFrameLength} octets)`);
      return false;
    }
    return true;
  }
}
