import { setTimeout as delay } from 'node:timers/promises';

/** Time as the agent sees it: the live server uses the wall clock, history generation a virtual one. */
export interface AgentClock {
  now(): Date;
  /** Let `ms` of simulated time pass. */
  sleep(ms: number): Promise<void>;
}

/** Wall-clock time; simulated waits are scaled (0.02 turns a 1 s request interval into 20 ms). */
export function wallClock(timeScale: number): AgentClock {
  return {
    now: () => new Date(),
    sleep: async (ms) => {
      const scaled = Math.round(ms * timeScale);
      if (scaled > 0) await delay(scaled);
    },
  };
}

/** A clock that starts at `start` and only moves when the agent sleeps: no real waiting. */
export function virtualClock(start: Date): AgentClock & { advance(ms: number): void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    sleep: async (ms) => {
      current += ms;
    },
    advance: (ms) => {
      current += ms;
    },
  };
}
