import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { InvalidKeyError, ObjectNotFoundError, StoreAuthError, StoreError, TransientStoreError } from '../../src/stores/errors.js';
import { backoffDelay, DEFAULT_RETRY_POLICY } from '../../src/stores/wrappers/backoff.js';
import { ConcurrencyLimitStore } from '../../src/stores/wrappers/concurrency-limit.js';
import { ErrorStampStore } from '../../src/stores/wrappers/error-stamp.js';
import { MetricsStore } from '../../src/stores/wrappers/metrics.js';
import { RetryStore } from '../../src/stores/wrappers/retry.js';
import { readAll } from './conformance.js';
import { FakeStore } from './fake-store.js';

const noSleep = (delays: number[]) => async (ms: number) => {
  delays.push(ms);
};

describe('RetryStore', () => {
  it('retries transient faults with growing delays, then succeeds', async () => {
    const fake = new FakeStore();
    fake.objects.set('k', Buffer.from('v'));
    fake.faults.head = [new TransientStoreError('503'), new TransientStoreError('reset')];
    const delays: number[] = [];
    const store = new RetryStore(fake, { baseDelayMs: 100 }, { sleep: noSleep(delays), random: () => 1 });
    expect((await store.head('k')).size).toBe(1);
    expect(fake.calls).toEqual(['head', 'head', 'head']);
    expect(delays).toEqual([100, 200]);
  });

  it('never retries NotFound, auth, bad keys or other permanent errors', async () => {
    for (const fault of [new ObjectNotFoundError('k'), new StoreAuthError('401'), new InvalidKeyError('k', 'bad'), new StoreError('PROTOCOL', '400')]) {
      const fake = new FakeStore();
      fake.faults.head = [fault];
      const delays: number[] = [];
      await expect(new RetryStore(fake, {}, { sleep: noSleep(delays) }).head('k')).rejects.toBe(fault);
      expect(fake.calls).toEqual(['head']);
      expect(delays).toEqual([]);
    }
  });

  it('gives up after the configured attempts with the last error', async () => {
    const fake = new FakeStore();
    fake.faults.delete = [1, 2, 3].map((i) => new TransientStoreError(`fault ${i}`));
    const store = new RetryStore(fake, { attempts: 3 }, { sleep: noSleep([]) });
    await expect(store.delete('k')).rejects.toThrow('fault 3');
    expect(fake.calls).toEqual(['delete', 'delete', 'delete']);
  });

  it('retries opening reads and writes, but never re-sends bytes of a failed writer', async () => {
    const fake = new FakeStore();
    fake.objects.set('k', Buffer.from('value'));
    fake.faults.read = [new TransientStoreError('503')];
    fake.faults.write = [new TransientStoreError('503')];
    const store = new RetryStore(fake, {}, { sleep: noSleep([]) });
    expect((await readAll(await store.read('k'))).toString()).toBe('value');
    const writer = await store.write('w');
    expect(fake.calls.filter((c) => c === 'write')).toHaveLength(2);
    fake.writeFault = () => new TransientStoreError('reset mid-stream');
    writer.write(Buffer.from('abc'));
    await expect(writer.commit()).rejects.toThrow('reset mid-stream');
    expect(fake.calls.filter((c) => c === 'write')).toHaveLength(2);
    expect(fake.objects.has('w')).toBe(false);
  });

  it('resumes a listing after the last key it yielded', async () => {
    const fake = new FakeStore();
    for (const k of ['a', 'b', 'c', 'd']) fake.objects.set(k, Buffer.from(k));
    fake.faults['list@2'] = [new TransientStoreError('503 on page 2')];
    const keys = [];
    for await (const e of new RetryStore(fake, {}, { sleep: noSleep([]) }).list('')) keys.push(e.key);
    expect(keys).toEqual(['a', 'b', 'c', 'd']);
    expect(fake.calls).toEqual(['list', 'list']);
  });

  it('backs off exponentially with jitter, capped', () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(p, 1, () => 0)).toBe(50);
    expect(backoffDelay(p, 1, () => 1)).toBe(100);
    expect(backoffDelay(p, 3, () => 1)).toBe(400);
    expect(backoffDelay(p, 10, () => 1)).toBe(1000);
  });
});

describe('ConcurrencyLimitStore', () => {
  it('caps calls in flight and holds a slot until a read stream closes', async () => {
    const fake = new FakeStore();
    fake.objects.set('k', Buffer.from('x'));
    let inFlight = 0;
    let peak = 0;
    const slowHead = fake.head.bind(fake);
    fake.head = async (key) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return slowHead(key);
    };
    const store = new ConcurrencyLimitStore(fake, 2);
    await Promise.all(Array.from({ length: 10 }, () => store.head('k')));
    expect(peak).toBe(2);

    const a = await store.read('k');
    const b = await store.read('k');
    expect(store.active).toBe(2);
    let thirdOpened = false;
    const third = store.read('k').then((s) => {
      thirdOpened = true;
      return s;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(thirdOpened).toBe(false);
    await readAll(a);
    const c = await third;
    expect(thirdOpened).toBe(true);
    b.destroy();
    await readAll(c);
    await new Promise((r) => setImmediate(r));
    expect(store.active).toBe(0);
  });

  it('lets a waiting call be aborted', async () => {
    const fake = new FakeStore();
    fake.objects.set('k', Buffer.from('x'));
    const store = new ConcurrencyLimitStore(fake, 1);
    const held = await store.read('k');
    const ac = new AbortController();
    const waiting = store.read('k', { signal: ac.signal });
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ABORTED' });
    held.destroy();
  });
});

describe('MetricsStore', () => {
  it('counts requests and bytes by store and outcome on the given registry', async () => {
    const registry = new Registry();
    const fake = new FakeStore('m1');
    fake.objects.set('k', Buffer.from('12345'));
    const store = new MetricsStore(fake, registry);
    await store.head('k');
    await expect(store.head('missing')).rejects.toThrow();
    await readAll(await store.read('k'));
    const w = await store.write('new');
    w.end(Buffer.from('abc'));
    await w.commit();
    const cancelled = await store.write('gone');
    cancelled.write(Buffer.from('zz'));
    await cancelled.cancel();
    await new Promise((r) => setImmediate(r));
    const text = await registry.metrics();
    expect(text).toContain('glance_store_requests_total{store="m1",op="head",outcome="ok"} 1');
    expect(text).toContain('glance_store_requests_total{store="m1",op="head",outcome="not_found"} 1');
    expect(text).toContain('glance_store_requests_total{store="m1",op="read",outcome="ok"} 1');
    expect(text).toContain('glance_store_bytes_total{store="m1",direction="read",outcome="ok"} 5');
    expect(text).toContain('glance_store_bytes_total{store="m1",direction="write",outcome="ok"} 3');
    expect(text).toContain('glance_store_requests_total{store="m1",op="write",outcome="aborted"} 1');
    // A second store on the same registry shares the metrics instead of failing to register them.
    new MetricsStore(new FakeStore('m2'), registry);
  });
});

describe('ErrorStampStore', () => {
  it('stamps the store id on StoreErrors and wraps foreign errors', async () => {
    const fake = new FakeStore('stamped');
    const store = new ErrorStampStore(fake);
    await expect(store.head('missing')).rejects.toMatchObject({ code: 'NOT_FOUND', storeId: 'stamped' });
    fake.head = async () => {
      throw new TypeError('a bug');
    };
    await expect(store.head('k')).rejects.toMatchObject({ code: 'INTERNAL', storeId: 'stamped' });
  });
});
