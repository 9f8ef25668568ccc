/**
 * Write coalescing. Frames sent during one turn of the event loop are encoded back to back into one
 * chunk and handed to the socket as a single write on the next tick: one syscall for a whole window
 * of SUBMITs instead of one each. Encoding goes straight into the chunk, so nothing is allocated per
 * frame; a new 64 KB chunk is taken only when the current one is full (the written part of the old
 * one is never touched again, because the socket may still be holding it).
 */
import { pduLength, writePdu } from "../codec/codec";
import type { CmppPdu } from "../codec/pdu";
import type { CmppVersion } from "../types";

export interface ByteSink {
  write(chunk: Buffer): boolean;
}

const CHUNK_SIZE = 64 * 1024;

export class FrameWriter {
  private chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  private start = 0;
  private used = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly sink: ByteSink,
    private version: CmppVersion,
  ) {}

  setVersion(version: CmppVersion): void {
    this.version = version;
  }

  /** Encodes now (so the caller may reuse the PDU), writes on the next tick. */
  send(pdu: CmppPdu): void {
    if (this.closed) return;
    const length = pduLength(pdu, this.version);
    if (this.used + length > this.chunk.length) {
      this.flush();
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_SIZE, length));
      this.start = 0;
      this.used = 0;
    }
    writePdu(this.chunk, this.used, pdu, this.version);
    this.used += length;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushOnTick);
    }
  }

  /** Writes whatever is pending now (before closing the socket, for example). */
  flush(): void {
    if (this.used === this.start || this.closed) return;
    const pending = this.chunk.subarray(this.start, this.used);
    this.start = this.used;
    this.sink.write(pending);
  }

  /** Drops anything still pending and ignores later sends. */
  close(): void {
    this.closed = true;
  }

  private readonly flushOnTick = (): void => {
    this.scheduled = false;
    this.flush();
  };
}
