import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { WorkerInbox } from './worker-inbox.js';

const thread = (code: string) => new Worker(`const { parentPort } = require('node:worker_threads');\n${code}`, { eval: true });

describe('WorkerInbox', () => {
  it('hands out the messages in order, then says the thread ended without finishing', async () => {
    const worker = thread('for (let i = 1; i <= 3; i++) parentPort.postMessage(i);');
    const inbox = new WorkerInbox<number>(worker, 'the test thread');
    // The thread has ended before anything is taken: its messages still come first.
    await once(worker, 'exit');
    expect([await inbox.next(), await inbox.next(), await inbox.next()]).toEqual([1, 2, 3]);
    await expect(inbox.next()).rejects.toThrow('the test thread ended without finishing its work');
  });

  it('a thread that throws: the messages it posted first, then its error', async () => {
    // Node delivers a thread's messages and its uncaught error on different channels, so the thread
    // throws only once 'a' has arrived (the reader threads post their errors as messages instead).
    const worker = thread("parentPort.postMessage('a'); parentPort.once('message', () => { throw new Error('boom'); });");
    const inbox = new WorkerInbox<string>(worker, 'the test thread');
    expect(await inbox.next()).toBe('a');
    worker.postMessage('go');
    await expect(inbox.next()).rejects.toThrow('the test thread failed: boom');
  });

  it('fail() ends a wait that would otherwise last forever; the first failure wins', async () => {
    const worker = thread('setInterval(() => {}, 1000);');
    const inbox = new WorkerInbox<string>(worker, 'the test thread');
    const waiting = inbox.next();
    inbox.fail(new Error('cancelled'));
    inbox.fail(new Error('second'));
    await expect(waiting).rejects.toThrow('cancelled');
    await worker.terminate();
    await expect(inbox.next()).rejects.toThrow('cancelled');
  });
});
