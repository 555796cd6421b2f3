import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { SimMovie } from '../library/library.js';
import { RotatingLogFile } from '../plugin-log/rotating-log-file.js';
import { type AgentPrefs, readPrefs } from '../prefs/agent-prefs.js';
import { wallClock } from './clock.js';
import { type RefreshOutcome, SimDbAgent } from './simdb-agent.js';

/** Simulated time the server spends on local media before the agent runs (so activities are visible). */
const LOCAL_MEDIA_REFRESH_MS = 1500;

export interface RefreshActivity {
  uuid: string;
  ratingKey: string;
  state: 'queued' | 'running';
  startedAt: number;
}

export interface AgentRuntimeOptions {
  dataDir: string;
  agentLogFile: string;
  seed: number;
  /** Simulated waits (latency, request interval, backoff) are multiplied by this. */
  timeScale: number;
  /** How long the agent is down during a restart, in real milliseconds. */
  restartMs: number;
  /** Refreshes processed at once, like the server's metadata workers. */
  workers: number;
  onRefreshed?: (movie: SimMovie, outcome: RefreshOutcome) => void;
  /** Called when a refresh is queued (`started`), runs (`updated`) and finishes (`ended`). */
  onActivity?: (event: 'started' | 'updated' | 'ended', activity: RefreshActivity, movie: SimMovie) => void;
}

/**
 * The running agent: a refresh queue worked by a few workers, and restarts that roll the log over
 * and reload the preferences (only then: a changed file has no effect before a restart).
 */
export class AgentRuntime {
  private agent: SimDbAgent | undefined;
  private readonly log: RotatingLogFile;
  private readonly queue: Array<{ movie: SimMovie; activity: RefreshActivity }> = [];
  private readonly active = new Map<string, RefreshActivity>();
  private running = 0;
  private sequence = 0;
  private restarting: Promise<void> | undefined;
  private closed = false;
  private idleWaiters: Array<() => void> = [];
  refreshCount = 0;

  constructor(private readonly options: AgentRuntimeOptions) {
    this.log = new RotatingLogFile(options.agentLogFile);
  }

  get prefs(): AgentPrefs | undefined {
    return this.agent?.prefs;
  }

  get healthy(): boolean {
    return this.agent !== undefined && this.restarting === undefined && !this.closed;
  }

  get activities(): RefreshActivity[] {
    return [...this.active.values()];
  }

  /** Reads the preferences (throws a RatchetError when they are invalid) and starts the plug-in. */
  async start(): Promise<void> {
    const prefs = await readPrefs(this.options.dataDir);
    this.log.rolloverIfNotEmpty();
    this.agent = new SimDbAgent({
      dataDir: this.options.dataDir,
      seed: this.options.seed,
      prefs,
      log: this.log,
      clock: wallClock(this.options.timeScale),
    });
    this.agent.logStart();
  }

  /**
   * Validate the preferences now (so a bad file is refused, not half-applied), then go down for
   * `restartMs` and start again once running refreshes have finished.
   */
  async requestRestart(): Promise<{ done: Promise<void> }> {
    await readPrefs(this.options.dataDir);
    if (this.restarting) return { done: this.restarting };
    const done = (async () => {
      await Promise.all([delay(this.options.restartMs), this.whenIdle()]);
      if (this.closed) return;
      this.agent = undefined;
      await this.start();
    })().finally(() => {
      this.restarting = undefined;
      this.pump();
    });
    this.restarting = done;
    return { done };
  }

  enqueue(movie: SimMovie): RefreshActivity {
    const activity: RefreshActivity = {
      uuid: randomUUID(),
      ratingKey: movie.ratingKey,
      state: 'queued',
      startedAt: Date.now(),
    };
    this.active.set(activity.uuid, activity);
    this.queue.push({ movie, activity });
    this.options.onActivity?.('started', activity, movie);
    this.pump();
    return activity;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    for (const [uuid, activity] of this.active) if (activity.state === 'queued') this.active.delete(uuid);
    await this.whenIdle();
    await this.restarting?.catch(() => undefined);
    this.log.close();
  }

  private whenIdle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (
      !this.closed &&
      !this.restarting &&
      this.agent &&
      this.running < this.options.workers &&
      this.queue.length > 0
    ) {
      const next = this.queue.shift()!;
      const agent = this.agent;
      this.running += 1;
      next.activity.state = 'running';
      this.options.onActivity?.('updated', next.activity, next.movie);
      this.sequence += 1;
      const sequence = this.sequence;
      void delay(Math.round(LOCAL_MEDIA_REFRESH_MS * this.options.timeScale))
        .then(() => agent.refresh(next.movie, sequence))
        .then((outcome) => {
          this.refreshCount += 1;
          this.options.onRefreshed?.(next.movie, outcome);
        })
        .catch((error: unknown) => {
          process.emitWarning(`plex-sim: refresh of ${next.movie.ratingKey} failed: ${String(error)}`);
        })
        .finally(() => {
          this.active.delete(next.activity.uuid);
          this.options.onActivity?.('ended', next.activity, next.movie);
          this.running -= 1;
          if (this.running === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
          this.pump();
        });
    }
  }
}
