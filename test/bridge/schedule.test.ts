// Fair scheduling and the job queue without any transport: order, positions, caps, cancellation.
import { describe, expect, it } from 'vitest';
import { FairSchedule, JobQueue } from '../../bridge-server/src/queue/index.ts';

describe('FairSchedule', () => {
  it('serves clients round-robin, least recently served first, FIFO within a client', () => {
    const s = new FairSchedule<string>();
    for (const item of ['a1', 'a2', 'a3']) s.push('a', item);
    expect(s.take()).toEqual({ clientId: 'a', item: 'a1' });
    expect(s.push('b', 'b1')).toBe(0);
    expect(s.push('b', 'b2')).toBe(2);
    expect(s.push('c', 'c1')).toBe(1);
    const order: string[] = [];
    for (let next = s.take(); next; next = s.take()) order.push(next.item);
    expect(order).toEqual(['b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('reports for each new item how many items will be taken before it', () => {
    const pushes = [['a', 'a1'], ['a', 'a2'], ['b', 'b1'], ['a', 'a3'], ['c', 'c1'], ['b', 'b2'], ['c', 'c2']] as const;
    for (let n = 1; n <= pushes.length; n++) {
      const s = new FairSchedule<string>();
      s.push('a', 'a0');
      s.take();
      let position = -1;
      for (const [client, item] of pushes.slice(0, n)) position = s.push(client, item);
      const taken: string[] = [];
      for (let next = s.take(); next; next = s.take()) taken.push(next.item);
      expect(taken.indexOf(pushes[n - 1]![1])).toBe(position);
    }
  });
});

function deferred(): { promise: Promise<string>; resolve: (v: string) => void } {
  let resolve!: (v: string) => void;
  return { promise: new Promise((r) => (resolve = r)), resolve };
}

describe('JobQueue', () => {
  it('runs up to `concurrency` jobs at once and starts the next when one ends', async () => {
    const q = new JobQueue({ concurrency: 2, maxJobsPerClient: 10 });
    const gates = [deferred(), deferred(), deferred()];
    const jobs = gates.map((g, i) => q.submit('c', `j${i}`, () => g.promise));
    expect(jobs.map((j) => j.position)).toEqual([0, 0, 0]);
    expect(q.stats()).toEqual({ running: 2, queued: 1 });
    gates[0]!.resolve('zero');
    expect(await jobs[0]!.result).toBe('zero');
    expect(q.stats()).toEqual({ running: 2, queued: 0 });
    gates[1]!.resolve('one');
    gates[2]!.resolve('two');
    expect(await Promise.all(jobs.map((j) => j.result))).toEqual(['zero', 'one', 'two']);
  });

  it('refuses duplicate ids and jobs over the cap, and frees the cap when jobs end', async () => {
    const q = new JobQueue({ concurrency: 1, maxJobsPerClient: 1 });
    const gate = deferred();
    const first = q.submit('c', 'a', () => gate.promise);
    expect(() => q.submit('c', 'a', () => gate.promise)).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(() => q.submit('c', 'b', () => gate.promise)).toThrow(expect.objectContaining({ code: 'queue_full' }));
    expect(q.submit('other', 'a', async () => 'x').position).toBe(0);
    gate.resolve('done');
    await first.result;
    expect(await q.submit('c', 'b', async () => 'again').result).toBe('again');
  });

  it('aborts running jobs and removes queued ones on cancel, per client on disconnect', async () => {
    const q = new JobQueue({ concurrency: 1, maxJobsPerClient: 10 });
    const running = q.submit('c', 'r', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))));
    const queued = q.submit('c', 'q', async () => 'never');
    const other = q.submit('d', 'x', async () => 'runs');
    expect(q.cancelClient('c')).toBe(2);
    await expect(running.result).rejects.toMatchObject({ code: 'cancelled' });
    await expect(queued.result).rejects.toMatchObject({ code: 'cancelled' });
    expect(await other.result).toBe('runs');
    expect(q.cancel('c', 'r')).toBe(false);
  });

  it('ends queued and running jobs with unavailable when the server shuts down', async () => {
    const q = new JobQueue({ concurrency: 1, maxJobsPerClient: 10 });
    const running = q.submit('c', 'r', (signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('stopped')))));
    const queued = q.submit('d', 'q', async () => 'never');
    q.close();
    await expect(running.result).rejects.toMatchObject({ code: 'unavailable' });
    await expect(queued.result).rejects.toMatchObject({ code: 'unavailable' });
  });

  it('refuses new jobs once closed', () => {
    const q = new JobQueue({ concurrency: 1, maxJobsPerClient: 10 });
    q.close();
    expect(() => q.submit('c', 'a', async () => 1)).toThrow(expect.objectContaining({ code: 'unavailable' }));
  });
});
