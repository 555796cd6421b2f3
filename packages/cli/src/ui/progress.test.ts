import { PassThrough } from 'node:stream';
import { LoopEvents } from '@ratchet/core';
import { describe, expect, it } from 'vitest';
import { ProgressDisplay } from './progress.js';

describe('the progress display', () => {
  it('shows every metric of a measurement on the measured: line, the 7th and later included', () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    const events = new LoopEvents();
    new ProgressDisplay({ stream: stream as unknown as NodeJS.WriteStream }).attach(events);
    const metrics = { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, seventh: 7, eighth: 8 };
    events.emit('measurement', { iteration: 1, objective: 0.5, metrics });
    expect(text).toContain('measured: objective 0.5 (a=1, b=2, c=3, d=4, e=5, f=6, seventh=7, eighth=8)');
  });
});
