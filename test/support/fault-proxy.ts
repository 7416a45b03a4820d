/**
 * FaultProxy: a TCP proxy on 127.0.0.1 between the producer and a broker, for tests that need
 * the broker slow, silent or cut off. A broker started with
 * `advertised.listeners=PLAINTEXT://127.0.0.1:<proxy port>` makes every client connection go
 * through it, metadata included.
 *
 * - pause(): holds every byte in both directions (a broker that accepts and never answers);
 *   resume() delivers what was held.
 * - latencyMs: delays each chunk.
 * - resetAll(): destroys every open connection (a crash or a network cut).
 * Loopback only; everything it holds is bounded by what the test sends.
 */
import * as net from 'node:net';

interface Pipe {
  client: net.Socket;
  upstream: net.Socket;
}

export class FaultProxy {
  private server: net.Server;
  private target: { host: string; port: number } | null = null;
  private readonly pipes = new Set<Pipe>();
  private paused = false;
  private readonly held: (() => void)[] = [];
  latencyMs = 0;
  port = 0;

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
    const upstream = net.connect(this.target.port, this.target.host);
    const pipe = { client, upstream };
    this.pipes.add(pipe);
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.pipes.delete(pipe);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.on('data', (chunk) => this.forward(upstream, chunk));
    upstream.on('data', (chunk) => this.forward(client, chunk));
  }

  private forward(to: net.Socket, chunk: Buffer): void {
    const send = () => {
      if (!to.destroyed) to.write(chunk);
    };
    if (this.paused) this.held.push(send);
    else if (this.latencyMs > 0) setTimeout(send, this.latencyMs);
    else send();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const send of this.held.splice(0)) send();
  }

  resetAll(): void {
    for (const p of this.pipes) {
      p.client.resetAndDestroy();
      p.upstream.destroy();
    }
    this.pipes.clear();
  }

  async close(): Promise<void> {
    this.resetAll();
    this.held.length = 0;
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
