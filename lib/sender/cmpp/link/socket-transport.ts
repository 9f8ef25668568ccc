/**
 * The only place bytes meet PDUs on a live connection: socket reads go through the framer and the
 * codec and come out as PDUs; PDUs go out through the coalescing writer. Used by the client session
 * and by the gateway simulator alike.
 */
import type { Socket } from "node:net";
import { CmppFramer } from "../codec/framer";
import { decodePdu } from "../codec/codec";
import type { InvalidFrame } from "../codec/invalid-frame";
import type { CmppPdu } from "../codec/pdu";
import { FrameWriter } from "./frame-writer";
import type { CmppLogger, CmppVersion } from "../types";

/** What a session needs from a connection: send PDUs, close it. */
export interface PduTransport {
  send(pdu: CmppPdu): void;
  /** Encode and decode in this version from now on (the gateway answered the login in another). */
  setVersion(version: CmppVersion): void;
  /** Flushes pending frames, then closes gracefully. */
  end(): void;
  /** Closes at once, dropping anything unsent. */
  destroy(reason: string): void;
}

export interface TransportHandlers {
  onPdu(pdu: CmppPdu): void;
  /** A frame that framed correctly but does not decode (unknown command, inconsistent lengths). */
  onInvalid(frame: InvalidFrame): void;
  /** Exactly once, with why the connection ended. */
  onClose(reason: string): void;
}

export class SocketTransport implements PduTransport {
  private readonly framer: CmppFramer;
  private readonly writer: FrameWriter;
  private closeReason: string | null = null;
  private closed = false;
  /** Set once we decided to close, so a framer stopped on purpose is not reported as an error. */
  private stopping = false;
  private handlers: TransportHandlers | null = null;

  constructor(
    private readonly socket: Socket,
    private version: CmppVersion,
    private readonly logger: CmppLogger,
    private readonly label: Record<string, unknown> = {},
    maxFrameLength?: number,
  ) {
    this.framer = new CmppFramer(maxFrameLength);
    this.writer = new FrameWriter(socket, version);
    socket.setNoDelay(true);
    socket.on("data", this.onData);
    socket.on("error", (err: NodeJS.ErrnoException) => {
      this.closeReason ??= err.code ? `${err.code}: ${err.message}` : err.message;
    });
    socket.on("end", () => {
      this.closeReason ??= "peer closed the connection";
    });
    socket.on("close", () => {
      this.closed = true;
      this.writer.close();
      this.handlers?.onClose(this.closeReason ?? "connection closed");
    });
  }

  /** Handlers are attached after construction so a session and its transport can refer to each other. */
  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  setVersion(version: CmppVersion): void {
    this.version = version;
    this.writer.setVersion(version);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(pdu: CmppPdu): void {
    if (!this.closed) this.writer.send(pdu);
  }

  /** Writes bytes as they are, after anything already sent (the simulator's malformed frames). */
  sendRaw(bytes: Buffer): void {
    if (this.closed) return;
    this.writer.flush();
    this.socket.write(bytes);
  }

  end(): void {
    if (this.closed) return;
    this.stopping = true;
    this.closeReason ??= "closed by us";
    this.framer.stop("closing");
    this.writer.flush();
    this.writer.close();
    this.socket.end();
    // A peer that never closes its side must not keep the socket half-open forever.
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  destroy(reason: string): void {
    if (this.closed) return;
    this.stopping = true;
    this.closeReason ??= reason;
    this.framer.stop(reason);
    this.writer.close();
    this.socket.destroy();
  }

  private readonly onData = (chunk: Buffer): void => {
    const handlers = this.handlers;
    if (handlers === null || this.framer.failed !== null) return;
    const failure = this.framer.push(chunk, (frame) => {
      const pdu = decodePdu(frame, this.version);
      if (pdu.command === "invalid") handlers.onInvalid(pdu);
      else handlers.onPdu(pdu);
    });
    if (failure !== null && !this.stopping) {
      this.logger.warn("closing CMPP connection: unframeable input", { ...this.label, reason: failure.reason });
      this.destroy(`framing error: ${failure.reason}`);
    }
  };
}
