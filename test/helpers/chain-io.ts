import assert from 'node:assert/strict';
import { ChainError, type EstablishedChain } from '../../src/client/chain-connect';

/** Everything the target sends until it closes, starting with the bytes that came with the reply. */
export async function readAll(chain: EstablishedChain): Promise<Buffer> {
  const chunks = [chain.rest];
  chain.socket.on('data', (c: Buffer) => chunks.push(c));
  chain.socket.resume();
  await new Promise((r) => chain.socket.once('end', r));
  return Buffer.concat(chunks);
}

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
