/** The readiness probe: ApiVersions v0 over a raw socket, independent of kafka-wire itself. */
import * as crypto from 'node:crypto';
import * as net from 'node:net';

/** True when host:port answers an ApiVersions v0 request with a frame carrying our correlation id. */
export function probeApiVersions(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const clientId = Buffer.from('kafka-wire-harness', 'utf8');
    const correlationId = crypto.randomInt(1, 0x7fffffff);
    const req = Buffer.alloc(4 + 2 + 2 + 4 + 2 + clientId.length);
    let o = req.writeInt32BE(req.length - 4, 0);
    o = req.writeInt16BE(18, o); // api key: ApiVersions
    o = req.writeInt16BE(0, o); // api version 0
    o = req.writeInt32BE(correlationId, o);
    o = req.writeInt16BE(clientId.length, o);
    clientId.copy(req, o);

    let received = Buffer.alloc(0);
    let done = false;
    const sock = net.connect({ host, port });
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write(req));
    sock.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 8) return;
      const size = received.readInt32BE(0);
      if (size < 4 || size > 1 << 20) return finish(false);
      if (received.length >= 4 + size) finish(received.readInt32BE(4) === correlationId);
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}
