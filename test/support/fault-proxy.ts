/**
 * FaultProxy: a TCP proxy on 127.0.0.1 between the producer and a broker, for tests that need
 * the broker slow, silent or cut off. A broker started with
 * `advertised.listeners=PLAINTEXT://127.0.0.1:<proxy port>` makes every client connection go
 * through it, metadata included.
 *
 * Faults (each applies to every connection, in both directions unless said otherwise):
 * - pause(): holds every byte (a broker that accepts and never answers: a black hole);
 *   resume() delivers what was held, in order.
 * - latencyMs: each chunk is delivered this many ms after it arrived (a pipeline delay:
 *   chunks do not wait for each other).
 * - bandwidthBytesPerSec: at most this many bytes per second per connection and direction.
 * - responsePieces: bytes from the broker reach the client one byte per write, a macrotask
 *   apart (responses cut into 1-byte pieces).
 * - cutNext(): the next Kafka frame of the given API (request, or response) is passed on up
 *   to its middle, then the connection is reset: a request cut mid-way never reaches the
 *   broker's handler; a response cut mid-way was handled by the broker but never arrives.
 *   Frames are recognised by their size prefix and api key; responses are matched to the
 *   requests of their connection in order (every request must expect an answer: acks != 0).
 * - resetAll(): destroys every open connection (a crash or a network cut).
 * Loopback only; everything it holds is bounded by what the test sends.
 */
import * as net from 'node:net';

type Direction = 'request' | 'response';

interface Cut {
  direction: Direction;
  apiKey: number;
  remaining: number;
  onCut?: () => void;
}

/** Follows Kafka frames in one direction of a byte stream. */
class FrameTracker {
  /** Bytes of the current frame still to come (0: at a frame boundary). */
  private remaining = 0;
  private header: number[] = [];

  /**
   * Feeds a chunk; calls onFrameStart(frameSize, headerBytes, offsetInChunk) for every frame
   * that starts in it, once its first 6 bytes (size + api key) are known. Returns a cut offset
   * in the chunk when onFrameStart asks for one.
   */
  feed(chunk: Buffer, onFrameStart: (size: number, head: Buffer, startInChunk: number) => 'cut' | void): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, chunk.length - i);
        this.remaining -= n;
        i += n;
        continue;
      }
      // At a frame boundary: collect 6 header bytes (int32 size, int16 api key or correlation id half).
      const start = i - this.header.length;
      while (this.header.length < 6 && i < chunk.length) this.header.push(chunk[i++]);
      if (this.header.length < 6) return -1;
      const head = Buffer.from(this.header);
      this.header = [];
      const size = head.readInt32BE(0);
      this.remaining = Math.max(0, size - 2);
      if (onFrameStart(size, head, start) === 'cut') return Math.max(0, start + Math.floor((4 + size) / 2));
    }
    return -1;
  }
}

interface Lane {
  to: net.Socket;
  /** Delivery chain: chunks go out in arrival order. */
  chain: Promise<void>;
  tracker: FrameTracker;
  /** Bytes past a cut are dropped. */
  cut: boolean;
}

interface Pipe {
  client: net.Socket;
  upstream: net.Socket;
  up: Lane;
  down: Lane;
  /** Api keys of the requests sent on this connection and not yet answered, in order. */
  requestApis: number[];
  closed: boolean;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class FaultProxy {
  private server: net.Server;
  private target: { host: string; port: number } | null = null;
  private readonly pipes = new Set<Pipe>();
  private paused = false;
  private resumed: Promise<void> = Promise.resolve();
  private resolveResumed: () => void = () => {};
  private readonly cuts: Cut[] = [];
  latencyMs = 0;
  /** 0: unlimited. */
  bandwidthBytesPerSec = 0;
  /** Broker-to-client bytes one at a time. */
  responsePieces = false;
  port = 0;
  /** Connections accepted so far. */
  accepted = 0;
  /** Frames cut so far. */
  cutCount = 0;
  /** Writes of a single byte to clients (responsePieces). */
  pieceWrites = 0;

  private constructor() {
    this.server = net.createServer((client) => this.accept(client));
  }

  static async start(target?: { host: string; port: number }): Promise<FaultProxy> {
    const p = new FaultProxy();
    if (target) p.setTarget(target.host, target.port);
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', resolve));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  setTarget(host: string, port: number): void {
    this.target = { host, port };
  }

  get connectionCount(): number {
    return this.pipes.size;
  }

  private accept(client: net.Socket): void {
    if (!this.target) {
      client.destroy();
      return;
    }
    this.accepted++;
    const upstream = net.connect(this.target.port, this.target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const lane = (to: net.Socket): Lane => ({ to, chain: Promise.resolve(), tracker: new FrameTracker(), cut: false });
    const pipe: Pipe = { client, upstream, up: lane(upstream), down: lane(client), requestApis: [], closed: false };
    this.pipes.add(pipe);
    const close = () => this.closePipe(pipe, false);
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk: Buffer) => this.forward(pipe, 'request', chunk));
    upstream.on('data', (chunk: Buffer) => this.forward(pipe, 'response', chunk));
  }

  private closePipe(pipe: Pipe, reset: boolean): void {
    if (pipe.closed) return;
    pipe.closed = true;
    if (reset) pipe.client.resetAndDestroy();
    else pipe.client.destroy();
    pipe.upstream.destroy();
    this.pipes.delete(pipe);
  }

  private forward(pipe: Pipe, direction: Direction, chunk: Buffer): void {
    const lane = direction === 'request' ? pipe.up : pipe.down;
    if (lane.cut || pipe.closed) return;
    const cutAt = lane.tracker.feed(chunk, (_size, head) => {
      let apiKey: number;
      if (direction === 'request') {
        apiKey = head.readInt16BE(4);
        pipe.requestApis.push(apiKey);
      } else {
        apiKey = pipe.requestApis.shift() ?? -1;
      }
      const i = this.cuts.findIndex((c) => c.direction === direction && c.apiKey === apiKey);
      if (i < 0) return;
      const c = this.cuts[i];
      if (--c.remaining <= 0) this.cuts.splice(i, 1);
      this.cutCount++;
      c.onCut?.();
      return 'cut';
    });
    const arrivedMs = Date.now();
    if (cutAt >= 0) {
      lane.cut = true;
      const head = chunk.subarray(0, cutAt);
      this.enqueue(pipe, lane, direction, head, arrivedMs);
      // Once the bytes before the cut are out, reset the connection.
      lane.chain = lane.chain.then(() => this.closePipe(pipe, true));
      return;
    }
    this.enqueue(pipe, lane, direction, chunk, arrivedMs);
  }

  private enqueue(pipe: Pipe, lane: Lane, direction: Direction, chunk: Buffer, arrivedMs: number): void {
    lane.chain = lane.chain.then(() => this.deliver(pipe, lane, direction, chunk, arrivedMs)).catch(() => this.closePipe(pipe, false));
  }

  private async deliver(pipe: Pipe, lane: Lane, direction: Direction, chunk: Buffer, arrivedMs: number): Promise<void> {
    while (this.paused) await this.resumed;
    const wait = arrivedMs + this.latencyMs - Date.now();
    if (wait > 0) await sleep(wait);
    while (this.paused) await this.resumed;
    if (pipe.closed || lane.to.destroyed) return;
    if (direction === 'response' && this.responsePieces) {
      for (let i = 0; i < chunk.length; i++) {
        if (pipe.closed || lane.to.destroyed) return;
        lane.to.write(chunk.subarray(i, i + 1));
        this.pieceWrites++;
        await nextTurn();
      }
      return;
    }
    if (this.bandwidthBytesPerSec > 0) {
      // Slices of 10 ms worth of bytes, each followed by its 10 ms.
      const slice = Math.max(1, Math.floor(this.bandwidthBytesPerSec / 100));
      for (let i = 0; i < chunk.length; i += slice) {
        if (pipe.closed || lane.to.destroyed) return;
        lane.to.write(chunk.subarray(i, i + slice));
        await sleep(10);
      }
      return;
    }
    lane.to.write(chunk);
  }

  /**
   * The next `count` frames of `apiKey` going in `direction` are passed on up to their middle,
   * then their connection is reset. `onCut` runs when a frame is cut.
   */
  cutNext(direction: Direction, apiKey: number, count = 1, onCut?: () => void): void {
    this.cuts.push({ direction, apiKey, remaining: count, onCut });
  }

  /** Cuts not yet applied. */
  get pendingCuts(): number {
    return this.cuts.reduce((n, c) => n + c.remaining, 0);
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.resumed = new Promise<void>((resolve) => (this.resolveResumed = resolve));
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resolveResumed();
  }

  /** No faults: no pause, latency, bandwidth limit, pieces or pending cuts. */
  clearFaults(): void {
    this.resume();
    this.latencyMs = 0;
    this.bandwidthBytesPerSec = 0;
    this.responsePieces = false;
    this.cuts.length = 0;
  }

  resetAll(): void {
    for (const p of [...this.pipes]) this.closePipe(p, true);
  }

  async close(): Promise<void> {
    this.resume();
    this.resetAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
