/**
 * Connection: one TCP (or TLS) socket to one broker.
 *
 * - Frames are int32 size-prefixed. Responses arrive in request order on a connection, so
 *   in-flight requests are a FIFO queue; the correlation id is still checked against it.
 * - On connect, ApiVersions is sent first (newest version we speak; on UNSUPPORTED_VERSION
 *   the broker's own ApiVersions range in the reply picks the retry version), and the
 *   broker's ranges decide the version of every later request.
 * - Request timeouts use one timer for the whole connection, armed for the oldest request.
 *   A timed-out request closes the connection and fails everything in flight on it, as the
 *   Java client does: a late reply on that socket could no longer be matched safely.
 * - Record batch bytes are written as they are (cork, write segments, uncork): no copy.
 * - Time and bytes come through two seams: the Clock (every timeout here is one of its
 *   timers) and the TransportFactory (a TCP or TLS socket in production; tests supply an
 *   in-memory stream and a scripted broker, so all of the above runs on virtual time).
 * - A malformed response fails its request with MalformedResponseError and, since the
 *   stream position can no longer be trusted after a decode failure of the frame header,
 *   a corrupt frame size closes the connection.
 * - Re-authentication (KIP-368): when the authentication step reports a session lifetime
 *   (SaslAuthenticate v1+), the connection runs the step again on the same socket once 85-95%
 *   of it has passed, at the first request sent after that time, as the Java client does
 *   (SaslClientAuthenticator's ReauthInfo, KafkaChannel.maybeBeginClientReauthentication).
 *   Requests already in flight are answered before the SASL ones (answers come in order);
 *   requests sent meanwhile wait and go out, in order, once it is done. A failed
 *   re-authentication closes this connection only, with a ConnectionError (its requests are
 *   retried on a new connection, which authenticates from the start).
 */
import { Clock, systemClock, TimerHandle } from './clock';
import { authenticationFailureOf } from './sasl/failure';
import { transition, TransitionTable } from './state-machine';
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import * as tls from 'node:tls';
import {
  API_VERSIONS_API,
  ApiSpec,
  chooseVersion,
  requestHeaderVersion,
  responseHeaderVersion,
  VersionRange,
} from '../protocol/api-keys';
import { ConnectionError, ErrorCode, KafkaError, MalformedResponseError, RequestTimedOutError, brokerErrorFor } from '../protocol/errors';
import { encodeRequestHeader, decodeResponseHeader } from '../protocol/header';
import { decodeApiVersionsResponse, encodeApiVersionsRequest, ApiVersionsResponse } from '../protocol/messages/api-versions';
import type { DetachedRecords } from '../protocol/messages/produce';
import { Reader } from '../protocol/reader';
import { Writer } from '../protocol/writer';

export const CLIENT_SOFTWARE_NAME = 'kafka-wire';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

/** Frames larger than this are refused as corrupt (the broker's default socket limit is 100 MiB). */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * The duplex byte stream a connection runs on: the part of net.Socket it uses (a net.Socket
 * or tls.TLSSocket is one as it is). 'close' follows destroy() and any loss of the stream;
 * failures are 'error' events.
 */
export interface Transport {
  write(data: Uint8Array, cb?: (err?: Error | null) => void): boolean;
  cork(): void;
  uncork(): void;
  setNoDelay(noDelay?: boolean): unknown;
  ref(): unknown;
  unref(): unknown;
  destroy(): unknown;
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  once(event: 'error', listener: (err: Error) => void): unknown;
  removeListener(event: 'error', listener: (err: Error) => void): unknown;
  removeAllListeners(event: 'data'): unknown;
}

/** Where a transport goes. */
export interface TransportTarget {
  host: string;
  port: number;
  /** Node id (negative for a bootstrap server). */
  nodeId: number;
  /** Set when the connection uses TLS. */
  tls?: tls.ConnectionOptions;
}

/** Opens a transport; calls onConnect once it is connected (with TLS: once secured). */
export type TransportFactory = (target: TransportTarget, onConnect: () => void) => Transport;

/** The production transport: a TCP socket, or a TLS one when the target asks for TLS. */
export const socketTransport: TransportFactory = (target, onConnect) =>
  target.tls
    ? tls.connect({ host: target.host, port: target.port, servername: net.isIP(target.host) ? undefined : target.host, ...target.tls }, onConnect)
    : net.connect({ host: target.host, port: target.port }, onConnect);

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId?: string | null;
  /** Bounds every request, and connect + ApiVersions together. */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** TLS options; when set, the connection uses TLS. */
  tls?: tls.ConnectionOptions | true;
  /** Node id, for messages and bookkeeping. */
  nodeId?: number;
  /** Time for request and connect timeouts and activity times (idle checks). Default: system. */
  clock?: Clock;
  /** How the byte stream is opened. Default: a TCP or TLS socket. */
  connect?: TransportFactory;
  /** Random numbers in [0, 1) for the re-authentication point. Default: Math.random. */
  random?: () => number;
  /** Told of every request answered (or written, when none is expected) or timed out. Default: none. */
  onRequestDone?: RequestObserver;
}

/**
 * One request done, for a RequestObserver: answered, written (when no answer is expected:
 * acks=0 Produce), or timed out. Requests that fail otherwise (the connection closed) are not
 * reported. kafka-wire/kafkajs builds its network instrumentation events from these.
 */
export interface RequestTrace {
  apiKey: number;
  /** Kafka's name of the API (Produce, Metadata, ...). */
  apiName: string;
  version: number;
  correlationId: number;
  host: string;
  port: number;
  /** Node id (negative for a bootstrap server). */
  nodeId: number;
  /** When send() was called: before sentAtMs only while a re-authentication held the request. */
  createdAtMs: number;
  /** When the request was written. */
  sentAtMs: number;
  /** When its answer was read, its bytes written (no answer expected), or it timed out. */
  doneAtMs: number;
  /** Size of the answer without its size prefix; 0 without one. */
  responseBytes: number;
  /** No answer within the request timeout: the connection closes. */
  timedOut: boolean;
}

export type RequestObserver = (trace: RequestTrace) => void;

/** What an authentication step may use: requests that bypass the re-authentication gate. */
export type AuthTransport = Pick<Connection, 'address' | 'versionFor' | 'request'>;

/** What an authentication step reports: the session lifetime the broker gave (0: none). */
export interface AuthOutcome {
  sessionLifetimeMs: number;
}

/** Runs authentication on a transport; run again for each re-authentication. */
export type AuthStep = (transport: AuthTransport) => Promise<AuthOutcome | void>;

export interface RequestOptions {
  /** acks=0 Produce: nothing comes back; the promise settles once the bytes are written. */
  expectResponse?: boolean;
  /** Records to write without copying them (see encodeProduceRequest). */
  detached?: DetachedRecords;
  timeoutMs?: number;
}

type Decoder<T> = (r: Reader, version: number) => T;

interface InFlight {
  correlationId: number;
  api: ApiSpec;
  version: number;
  decode: Decoder<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  deadlineMs: number;
  createdAtMs: number;
  sentAtMs: number;
}

export type ConnectionState = 'idle' | 'connecting' | 'ready' | 'authenticating' | 'closed';

/**
 * idle -> connecting (TCP, TLS, ApiVersions) -> ready; ready -> authenticating (SASL, before
 * anyone else may use the connection) -> ready; any state but closed -> closed.
 */
const CONNECTION_MOVES: TransitionTable<ConnectionState> = {
  idle: ['connecting', 'closed'],
  connecting: ['ready', 'closed'],
  ready: ['authenticating', 'closed'],
  authenticating: ['ready', 'closed'],
  closed: [],
};

export class Connection extends EventEmitter {
  readonly host: string;
  readonly port: number;
  readonly nodeId: number;
  private readonly clientId: string | null;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly tlsOptions: tls.ConnectionOptions | undefined;
  private socket: Transport | null = null;
  private stateValue: ConnectionState = 'idle';
  private nextCorrelationId = 0;
  private readonly inFlight: InFlight[] = [];
  private inFlightHead = 0;
  private timer: TimerHandle | null = null;
  private connecting: Promise<void> | null = null;
  private readonly header = new Writer(256);
  // Receive state: chunks not yet consumed, and their total length.
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  /** Broker's version range per api key, from ApiVersions. */
  readonly apiVersions = new Map<number, VersionRange>();
  apiVersionsResponse: ApiVersionsResponse | null = null;
  lastActivityMs: number;
  private readonly clock: Clock;
  private readonly openTransport: TransportFactory;
  private referenced = true;
  /** The authentication step, kept to run again when the session is due for re-authentication. */
  private authStep: AuthStep | null = null;
  /** When the next request triggers re-authentication (Infinity: never). */
  private reauthAtMs = Infinity;
  /** Set while re-authenticating (settles when it is over): requests sent meanwhile are held. */
  private reauthenticating: Promise<void> | null = null;
  /** The requests sent while re-authenticating, in order: written when it succeeds, failed by close(). */
  private held: { write: () => void; reject: (err: Error) => void }[] = [];
  /** Completed re-authentications on this connection. */
  reauthentications = 0;
  /** Draws the 85-95% point of a session (tests make it fixed). */
  private readonly random: () => number;
  /** Requests of the authentication step: they go out even while the step runs. */
  private readonly authTransport: AuthTransport;
  private readonly onRequestDone: RequestObserver | null;

  constructor(opts: ConnectionOptions) {
    super();
    this.host = opts.host;
    this.port = opts.port;
    this.nodeId = opts.nodeId ?? -1;
    this.clientId = opts.clientId === undefined ? 'kafka-wire' : opts.clientId;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? 30000;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? this.requestTimeoutMs;
    this.tlsOptions = opts.tls === true ? {} : opts.tls;
    this.clock = opts.clock ?? systemClock;
    this.openTransport = opts.connect ?? socketTransport;
    this.random = opts.random ?? Math.random;
    this.onRequestDone = opts.onRequestDone ?? null;
    this.lastActivityMs = this.clock.now();
    this.authTransport = {
      address: this.address,
      versionFor: (api) => this.versionFor(api),
      request: (api, encode, decode, opts) => this.atNegotiatedVersion(api, encode, decode, opts, true),
    };
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  private moveTo(next: ConnectionState): void {
    this.stateValue = transition('connection', CONNECTION_MOVES, this.stateValue, next);
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Requests written and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.length - this.inFlightHead;
  }

  /** Connects and negotiates versions; resolves when requests can be sent. Idempotent. */
  connect(): Promise<void> {
    if (this.stateValue === 'ready') return Promise.resolve();
    if (this.reauthenticating) return this.reauthenticating.then(() => this.connect());
    if (this.stateValue === 'closed') return Promise.reject(new ConnectionError(`connection to ${this.address} is closed`, { broker: this.address }));
    if (!this.connecting) {
      this.moveTo('connecting');
      this.connecting = this.open().then(
        () => {
          this.connecting = null;
          this.moveTo('ready');
          this.emit('ready');
        },
        (err: Error) => {
          this.connecting = null;
          this.close(err);
          throw err;
        },
      );
    }
    return this.connecting;
  }

  /**
   * Runs an authentication step (SASL) on a connection that connect() has made ready, before
   * anyone else may use it: meanwhile the state reads 'authenticating', so a pool does not
   * hand the connection out and connect() waits for the step. A failed step closes the
   * connection with its error. The step is kept: it runs again to re-authenticate when the
   * broker gave the session a lifetime (see the header).
   */
  authenticate(step: AuthStep): Promise<void> {
    if (this.stateValue !== 'ready' || this.connecting) {
      return Promise.reject(new ConnectionError(`connection to ${this.address} is not ready for authentication`, { broker: this.address }));
    }
    this.authStep = step;
    this.connecting = this.runAuthStep(step).then(
      () => {
        this.connecting = null;
      },
      (err: Error) => {
        // Closed before connect() can see a connection left in 'authenticating'.
        this.close(err);
        this.connecting = null;
        throw err;
      },
    );
    return this.connecting;
  }

  /** Moves to 'authenticating', runs the step, and back to 'ready' with the next re-authentication time. */
  private runAuthStep(step: AuthStep): Promise<void> {
    this.moveTo('authenticating');
    this.reauthAtMs = Infinity;
    return Promise.resolve(this.authTransport)
      .then(step)
      .then((outcome) => {
        if (this.stateValue !== 'authenticating') throw new ConnectionError(`connection to ${this.address} was closed during authentication`, { broker: this.address });
        this.moveTo('ready');
        const lifetimeMs = outcome ? outcome.sessionLifetimeMs : 0;
        // 85% plus up to 10% at random: room for latency and clock drift, and channels of many
        // clients do not all re-authenticate at once (ReauthInfo.setAuthenticationEndAndSessionReauthenticationTimes).
        if (lifetimeMs > 0) this.reauthAtMs = this.clock.now() + Math.floor(lifetimeMs * (0.85 + this.random() * 0.1));
      });
  }

  /**
   * Re-authenticates on this socket. Requests sent meanwhile are held (send()); on success
   * they are written at once, in order, before anything sent later; close() fails them.
   */
  private reauthenticate(step: AuthStep): void {
    this.reauthenticating = this.runAuthStep(step).then(
      () => {
        this.reauthenticating = null;
        this.reauthentications++;
        const held = this.held;
        this.held = [];
        for (const h of held) h.write();
        this.emit('reauthenticated');
      },
      (err: Error) => {
        this.reauthenticating = null;
        // Java counts a failed re-authentication only for an authentication error, not for a
        // connection lost or a request timed out meanwhile.
        if (authenticationFailureOf(err) !== null) this.emit('reauthenticationFailed', err);
        // The session ends with this connection; a new one authenticates from the start.
        this.close(new ConnectionError(`re-authentication with ${this.address} failed: ${err.message}`, { broker: this.address, cause: err }));
      },
    );
  }

  private async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => {
        this.clock.clearTimeout(t);
        reject(new ConnectionError(`cannot connect to ${this.address}: ${err.message}`, { broker: this.address, cause: err }));
      };
      const t = this.clock.setTimeout(() => {
        socket.destroy();
        // ETIMEDOUT, as the socket would say: the reason a log line or a timeout's message names.
        const cause = Object.assign(new Error(`connect ETIMEDOUT ${this.address}`), { code: 'ETIMEDOUT' });
        reject(new ConnectionError(`connecting to ${this.address} timed out after ${this.connectTimeoutMs} ms`, { broker: this.address, cause }));
      }, this.connectTimeoutMs);
      const onConnect = () => {
        this.clock.clearTimeout(t);
        socket.removeListener('error', onError);
        resolve();
      };
      const socket = this.openTransport({ host: this.host, port: this.port, nodeId: this.nodeId, tls: this.tlsOptions }, onConnect);
      socket.setNoDelay(true);
      if (!this.referenced) socket.unref();
      t.unref?.();
      socket.once('error', onError);
      this.socket = socket;
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('error', (err) => this.close(new ConnectionError(`connection to ${this.address} failed: ${err.message}`, { broker: this.address, cause: err })));
      socket.on('close', () => this.close(new ConnectionError(`connection to ${this.address} was closed by the broker`, { broker: this.address })));
    });
    await this.negotiateVersions();
  }

  private async negotiateVersions(): Promise<void> {
    let version = API_VERSIONS_API.maxVersion;
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await this.sendNow(
        API_VERSIONS_API,
        version,
        (w) => encodeApiVersionsRequest(w, version, { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }),
        decodeApiVersionsResponseWithFallback,
      );
      if (res.errorCode === ErrorCode.UNSUPPORTED_VERSION && attempt === 0) {
        // The broker lists the ApiVersions versions it speaks; retry at its max (or v0).
        const own = res.apiKeys.find((k) => k.apiKey === API_VERSIONS_API.apiKey);
        version = own ? Math.min(own.maxVersion, API_VERSIONS_API.maxVersion) : 0;
        continue;
      }
      if (res.errorCode !== ErrorCode.NONE) throw brokerErrorFor(res.errorCode, `ApiVersions v${version} to ${this.address} failed`);
      this.apiVersionsResponse = res;
      for (const k of res.apiKeys) this.apiVersions.set(k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion });
      return;
    }
    throw new ConnectionError(`broker ${this.address} refused every ApiVersions version`, { broker: this.address });
  }

  /**
   * Whether this socket keeps the Node process alive. The producer unrefs its sockets while
   * nothing is pending, so a program can exit once every record has its outcome.
   */
  setReferenced(referenced: boolean): void {
    this.referenced = referenced;
    if (this.socket) {
      if (referenced) this.socket.ref();
      else this.socket.unref();
    }
  }

  /** Highest version of `api` both sides speak (after connect). */
  versionFor(api: ApiSpec): number {
    return chooseVersion(api, this.apiVersions.get(api.apiKey));
  }

  /**
   * Sends one request at the version negotiated for `api` and decodes its response.
   * The connection must be ready (await connect()).
   */
  request<T>(api: ApiSpec, encode: (w: Writer, version: number) => void, decode: Decoder<T>, opts?: RequestOptions): Promise<T> {
    return this.atNegotiatedVersion(api, encode, decode, opts, false);
  }

  /** request(), or (`now`) the same bypassing the re-authentication gate, for the authentication step. */
  private atNegotiatedVersion<T>(api: ApiSpec, encode: (w: Writer, version: number) => void, decode: Decoder<T>, opts: RequestOptions | undefined, now: boolean): Promise<T> {
    let version: number;
    try {
      version = this.versionFor(api);
    } catch (err) {
      return Promise.reject(err);
    }
    const body = (w: Writer) => encode(w, version);
    return now ? this.sendNow(api, version, body, decode, opts) : this.send(api, version, body, decode, opts);
  }

  /**
   * Sends one request at an explicit version. A session due for re-authentication is
   * re-authenticated first; a request sent while that runs waits for it.
   */
  send<T>(api: ApiSpec, version: number, encode: (w: Writer) => void, decode: Decoder<T>, opts?: RequestOptions): Promise<T> {
    if (this.reauthenticating === null && this.stateValue === 'ready' && this.authStep !== null && this.clock.now() >= this.reauthAtMs) {
      this.reauthenticate(this.authStep);
    }
    if (this.reauthenticating !== null) {
      const createdAtMs = this.clock.now();
      return new Promise<T>((resolve, reject) => {
        this.held.push({ write: () => void this.sendNow(api, version, encode, decode, opts, createdAtMs).then(resolve, reject), reject });
      });
    }
    return this.sendNow(api, version, encode, decode, opts);
  }

  private sendNow<T>(api: ApiSpec, version: number, encode: (w: Writer) => void, decode: Decoder<T>, opts?: RequestOptions, createdAtMs?: number): Promise<T> {
    const socket = this.socket;
    if (!socket || this.stateValue === 'closed' || this.stateValue === 'idle') {
      return Promise.reject(new ConnectionError(`connection to ${this.address} is not open`, { broker: this.address }));
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) | 0;
    const w = this.header.reset();
    const sizeAt = w.reserveInt32();
    try {
      encodeRequestHeader(w, requestHeaderVersion(api, version), {
        requestApiKey: api.apiKey,
        requestApiVersion: version,
        correlationId,
        clientId: this.clientId,
      });
      encode(w);
    } catch (err) {
      return Promise.reject(err);
    }
    const detached = opts?.detached;
    let total = w.offset - 4;
    if (detached) for (const r of detached.records) total += r.length;
    w.patchInt32(sizeAt, total);
    const expectResponse = opts?.expectResponse !== false;
    const sentAtMs = this.clock.now();
    this.lastActivityMs = sentAtMs;
    return new Promise<T>((resolve, reject) => {
      if (expectResponse) {
        this.inFlight.push({
          correlationId,
          api,
          version,
          decode: decode as Decoder<unknown>,
          resolve: resolve as (v: unknown) => void,
          reject,
          deadlineMs: sentAtMs + (opts?.timeoutMs ?? this.requestTimeoutMs),
          createdAtMs: createdAtMs ?? sentAtMs,
          sentAtMs,
        });
        this.armTimer();
      }
      const onWritten = expectResponse
        ? undefined
        : (err?: Error | null) => {
            if (err) {
              reject(new ConnectionError(`write to ${this.address} failed: ${err.message}`, { broker: this.address, cause: err }));
              return;
            }
            resolve(undefined as T);
            if (this.onRequestDone) this.reportDone(api, version, correlationId, createdAtMs ?? sentAtMs, sentAtMs, 0, false);
          };
      if (!detached || detached.records.length === 0) {
        // The header writer is reused, so hand the socket a copy.
        socket.write(Buffer.from(w.view()), onWritten);
        return;
      }
      // Header pieces and record batches in order, without copying the batches.
      const head = Buffer.from(w.view());
      socket.cork();
      let from = 0;
      for (let i = 0; i < detached.records.length; i++) {
        const at = detached.positions[i];
        if (at > from) socket.write(head.subarray(from, at));
        socket.write(detached.records[i]);
        from = at;
      }
      socket.write(head.subarray(from), onWritten);
      socket.uncork();
    });
  }

  private armTimer(): void {
    if (this.timer || this.inFlightCount === 0) return;
    const head = this.inFlight[this.inFlightHead];
    const delay = Math.max(0, head.deadlineMs - this.clock.now());
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.checkTimeouts();
    }, delay);
    // The socket, not this timer, decides whether the process stays alive.
    this.timer.unref?.();
  }

  private checkTimeouts(): void {
    if (this.inFlightCount === 0) return;
    const head = this.inFlight[this.inFlightHead];
    if (this.clock.now() >= head.deadlineMs) {
      const err = new RequestTimedOutError(`${head.api.name} request to ${this.address} got no response in time`);
      if (this.onRequestDone) this.reportDone(head.api, head.version, head.correlationId, head.createdAtMs, head.sentAtMs, 0, true);
      this.close(err);
      return;
    }
    this.armTimer();
  }

  private onData(chunk: Buffer): void {
    this.lastActivityMs = this.clock.now();
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    while (this.chunkBytes >= 4) {
      const size = this.peekInt32();
      if (size < 4 || size > MAX_RESPONSE_BYTES) {
        this.close(new MalformedResponseError(`malformed response from ${this.address}: frame size ${size}`, { field: 'frame.size' }));
        return;
      }
      if (this.chunkBytes < 4 + size) return;
      const frame = this.take(4 + size);
      this.onFrame(frame, 4);
      if (this.stateValue === 'closed') return;
    }
  }

  private peekInt32(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    const b = Buffer.concat(this.chunks, 4);
    return b.readInt32BE(0);
  }

  /** Removes `n` bytes from the receive chunks; copies only when a frame spans chunks. */
  private take(n: number): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const c = this.chunks[0];
        const want = n - filled;
        if (c.length <= want) {
          c.copy(out, filled);
          filled += c.length;
          this.chunks.shift();
        } else {
          c.copy(out, filled, 0, want);
          this.chunks[0] = c.subarray(want);
          filled += want;
        }
      }
    }
    this.chunkBytes -= n;
    return out;
  }

  private onFrame(frame: Buffer, start: number): void {
    if (this.inFlightCount === 0) {
      this.close(new MalformedResponseError(`unexpected response from ${this.address}: nothing is in flight`, { field: 'header.correlationId' }));
      return;
    }
    const req = this.inFlight[this.inFlightHead];
    const r = new Reader(frame, start);
    let header;
    try {
      header = decodeResponseHeader(r, responseHeaderVersion(req.api, req.version));
    } catch (err) {
      this.close(err as Error);
      return;
    }
    if (header.correlationId !== req.correlationId) {
      this.close(
        new MalformedResponseError(
          `response from ${this.address} has correlation id ${header.correlationId}, expected ${req.correlationId}`,
          { field: 'header.correlationId', apiKey: req.api.apiKey, apiVersion: req.version },
        ),
      );
      return;
    }
    this.inFlight[this.inFlightHead++] = undefined as unknown as InFlight;
    if (this.inFlightHead > 1024 && this.inFlightHead * 2 > this.inFlight.length) {
      this.inFlight.splice(0, this.inFlightHead);
      this.inFlightHead = 0;
    }
    if (this.onRequestDone) this.reportDone(req.api, req.version, req.correlationId, req.createdAtMs, req.sentAtMs, frame.length - start, false);
    let value: unknown;
    try {
      value = req.decode(r, req.version);
    } catch (err) {
      req.reject(asMalformed(err, req));
      return;
    } finally {
      if (this.timer && this.inFlightCount === 0) {
        this.clock.clearTimeout(this.timer);
        this.timer = null;
      }
    }
    req.resolve(value);
    this.emit('response', req.api);
  }

  /** Tells the request observer; an observer that throws does not disturb the connection. */
  private reportDone(api: ApiSpec, version: number, correlationId: number, createdAtMs: number, sentAtMs: number, responseBytes: number, timedOut: boolean): void {
    try {
      this.onRequestDone!({
        apiKey: api.apiKey,
        apiName: api.name,
        version,
        correlationId,
        host: this.host,
        port: this.port,
        nodeId: this.nodeId,
        createdAtMs,
        sentAtMs,
        doneAtMs: this.clock.now(),
        responseBytes,
        timedOut,
      });
    } catch {
      // The observer's own failure is its business.
    }
  }

  /** Closes the socket and fails every request in flight with `err` (or a ConnectionError). */
  close(err?: Error): void {
    if (this.stateValue === 'closed') return;
    this.moveTo('closed');
    if (this.timer) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners('data');
      socket.on('error', () => {});
      socket.destroy();
    }
    const reason = err ?? new ConnectionError(`connection to ${this.address} was closed`, { broker: this.address });
    const pending = this.inFlight.splice(this.inFlightHead);
    this.inFlight.length = 0;
    this.inFlightHead = 0;
    this.chunks = [];
    this.chunkBytes = 0;
    for (const req of pending) req.reject(reason);
    const held = this.held;
    this.held = [];
    for (const h of held) h.reject(reason);
    this.emit('close', reason);
  }
}

function asMalformed(err: unknown, req: InFlight): Error {
  if (err instanceof KafkaError) return err;
  return new MalformedResponseError(`cannot decode ${req.api.name} v${req.version} response: ${(err as Error)?.message ?? err}`, {
    field: 'body',
    apiKey: req.api.apiKey,
    apiVersion: req.version,
    cause: err,
  });
}

/**
 * A broker that does not speak our ApiVersions version answers in v0 layout; Java re-reads
 * an unparsable reply as v0, and so do we.
 */
function decodeApiVersionsResponseWithFallback(r: Reader, version: number): ApiVersionsResponse {
  const start = r.offset;
  try {
    return decodeApiVersionsResponse(r, version);
  } catch (err) {
    if (version === 0) throw err;
    r.offset = start;
    return decodeApiVersionsResponse(r, 0);
  }
}
