// The shim's side of the control protocol (docs/wire-protocol.md), for tests that drive the agent
// by hand. Frames and bodies are encoded and decoded only by src/wire, so a change to the wire
// changes every such test at once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { FrameDecoder, Op, serializeConnectRequest, serializeFrame, serializeHelloRequest, serializeWireAddress, type Frame } from '../../src/wire';

/** A HELLO body: `token | pid u32be | name`. */
export function helloBody(tokenHex: string, pid: number, name = 'test'): Buffer {
  return serializeHelloRequest({ token: Buffer.from(tokenHex, 'hex'), pid, name });
}

/** One request frame, with a request id (random unless given). */
export function requestFrame(op: number, body: Buffer = Buffer.alloc(0), id = randomBytes(4).readUInt32BE(0)): Buffer {
  return serializeFrame(op, body, id);
}

/** A control connection: each answer is matched to its request by id, as the shim does. */
export class ControlClient {
  private readonly decoder = new FrameDecoder();
  private readonly waiting = new Map<number, (frame: Frame) => void>();
  private nextId = randomBytes(4).readUInt32BE(0);
  /** Answers whose id matched no request (the agent broke pairing). */
  readonly unmatched: Frame[] = [];
  /** Settles when the agent (or this side) has closed the connection. */
  readonly closed: Promise<void>;
  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.decoder.push(chunk)) {
        const resolve = this.waiting.get(frame.id);
        if (!resolve) {
          this.unmatched.push(frame);
          continue;
        }
        this.waiting.delete(frame.id);
        resolve(frame);
      }
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Connects to the control socket at `path` and says HELLO with `tokenHex` as `pid`. */
  static async open(path: string, tokenHex: string, pid: number, name = 'test'): Promise<ControlClient> {
    const socket = net.connect(path);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new ControlClient(socket);
    const hello = await client.ask(Op.hello, helloBody(tokenHex, pid, name));
    assert.equal(hello.kind, 0, 'HELLO answered with status 0');
    return client;
  }

  private id(): number {
    this.nextId = (this.nextId + 1) >>> 0;
    return this.nextId;
  }

  /** A request that expects no answer (NOTE), or whose answer the test does not wait for. */
  send(op: number, body: Buffer): void {
    this.socket.write(requestFrame(op, body, this.id()));
  }

  ask(op: number, body: Buffer): Promise<Frame> {
    const id = this.id();
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.socket.write(requestFrame(op, body, id));
    });
  }

  async connect(socktype: number, ip: number[], port: number): Promise<Frame> {
    return this.ask(Op.connect, serializeConnectRequest({ socktype, address: serializeWireAddress(ip.join('.'), port) }));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }
}
