import assert from 'node:assert/strict';
import { ChainError, type EstablishedChain } from '../../src/client/chain-connect';

/**
 * Writes, then reads until as many bytes came back, then closes. No half-close: microsocks tears
 * both directions down on the first EOF, as many real proxies do.
 */
export async function echoThrough(chain: EstablishedChain, payload: Buffer | string): Promise<Buffer> {
  const data = Buffer.from(payload);
  const chunks = [chain.rest];
  let total = chain.rest.length;
  const done = new Promise<void>((resolve, reject) => {
    const check = () => total >= data.length && resolve();
    chain.socket.on('data', (c: Buffer) => {
      chunks.push(c);
      total += c.length;
      check();
    });
    chain.socket.once('close', () => reject(new Error(`closed after ${total} of ${data.length} bytes`)));
    check();
  });
  chain.socket.resume();
  chain.socket.write(data);
  await done;
  chain.socket.destroy();
  return Buffer.concat(chunks);
}

/**
 * A server that speaks first (SSH, SMTP): waits until the whole banner has arrived (with the
 * proxy's reply or after it) before writing a byte, so the order is forced, not hoped for; then
 * writes `text` and reads until the server closes. Returns the banner as received before the
 * write, and everything received in all.
 */
export async function bannerThenWrite(chain: EstablishedChain, bannerLength: number, text: string): Promise<{ beforeWrite: Buffer; all: Buffer }> {
  const chunks = [chain.rest];
  let total = chain.rest.length;
  let beforeWrite: Buffer | undefined;
  const ended = new Promise<void>((resolve) => chain.socket.once('end', resolve));
  const write = () => {
    if (beforeWrite || total < bannerLength) return;
    beforeWrite = Buffer.concat(chunks);
    chain.socket.write(text);
  };
  chain.socket.on('data', (c: Buffer) => {
    chunks.push(c);
    total += c.length;
    write();
  });
  chain.socket.resume();
  write();
  await ended;
  assert.ok(beforeWrite, `the server closed after ${total} bytes, before a whole banner`);
  return { beforeWrite, all: Buffer.concat(chunks) };
}

/** The ChainError a chain attempt must end in. */
export async function expectChainError(promise: Promise<unknown>): Promise<ChainError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ChainError, `expected a ChainError, got ${String(err)}`);
    return err;
  }
  assert.fail('the chain was established but should have failed');
}
