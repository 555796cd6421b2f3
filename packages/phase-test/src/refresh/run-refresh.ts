import { type AggregateResult, type Fix, type PhaseContext, RatchetError, redactText } from '@ratchet/core';
import { PlexClient, refreshAndWait, sleep } from '@ratchet/plex';
import { execa } from 'execa';
import type {
  CommandRefreshOptions,
  PlexRefreshOptions,
  RefreshOptions,
  WaitRefreshOptions,
} from '../options/test-options.js';
import { chooseItems, type ItemSelection } from '../selection/choose-items.js';

/** What the refresh step did, for test.json and the report. Never holds the token. */
export interface RefreshSummary {
  kind: RefreshOptions['kind'];
  durationMs: number;
  [key: string]: unknown;
}

export interface RefreshRequest {
  fix: Fix;
  before: AggregateResult;
  baseline?: AggregateResult;
  ctx: PhaseContext;
  /** Refresh exactly these ratingKeys (the items measured just before the fix) instead of choosing. */
  itemKeys?: string[];
  /** How many items to choose when choosing; default the options' `items`. */
  total?: number;
  /** Seed of the control sample; default the options' seed, else fix id + iteration. */
  seed?: string;
  exclude?: ReadonlySet<string>;
}

/** Runs the configured refresh: make the system do the work the fix should have improved. */
export async function runRefresh(options: RefreshOptions, request: RefreshRequest): Promise<RefreshSummary> {
  if (options.kind === 'plex') return refreshPlex(options, request);
  if (options.kind === 'command') return runCommand(options, request.ctx);
  return waitForTraffic(options, request.ctx);
}

async function refreshPlex(
  options: PlexRefreshOptions,
  { fix, before, baseline, ctx, itemKeys, total, seed, exclude }: RefreshRequest,
): Promise<RefreshSummary> {
  const started = Date.now();
  const token = options.token ?? process.env.PLEX_TOKEN;
  const client = new PlexClient({
    url: options.url,
    ...(token ? { token } : {}),
    timeoutMs: options.requestTimeoutMs,
    retries: options.retries,
    log: ctx.log,
    signal: ctx.signal,
  });
  try {
    ctx.progress('choosing items to refresh');
    const selection: ItemSelection = itemKeys
      ? {
          items: itemKeys.map((ratingKey) => ({ ratingKey, reason: 'control' as const })),
          unresolved: [],
          sections: [],
        }
      : await chooseItems(client, {
          fix,
          before,
          ...(baseline ? { wider: baseline } : {}),
          total: total ?? options.items,
          ...(options.sections ? { sections: options.sections } : {}),
          seed: options.seed ?? seed ?? `${fix.id}:${ctx.iteration}`,
          log: ctx.log,
          ...(exclude ? { exclude } : {}),
        });
    if (selection.items.length === 0) {
      throw new RatchetError(
        'MEASUREMENT_FAILED',
        `Plex at ${client.baseUrl} has no items to refresh in the chosen sections`,
      );
    }
    const targeted = selection.items.filter((item) => item.reason === 'targeted').length;
    ctx.log.info(`refreshing ${selection.items.length} items (${targeted} named by the targeted errors)`);
    const report = await refreshAndWait(
      client,
      selection.items.map((item) => item.ratingKey),
      {
        concurrency: options.concurrency,
        timeoutMs: options.timeoutMs,
        pollIntervalMs: options.pollIntervalMs,
        settleMs: options.settleMs,
        notifications: options.notifications,
        signal: ctx.signal,
        log: ctx.log,
        onProgress: (done, total) => ctx.progress('refreshing items', done, total),
      },
    );
    if (report.requested === 0) {
      const reasons = [...new Set(report.items.map((item) => item.error).filter(Boolean))]
        .slice(0, 3)
        .join('; ');
      throw new RatchetError(
        'MEASUREMENT_FAILED',
        `no refresh was accepted by Plex at ${client.baseUrl}: ${reasons}`,
      );
    }
    if (options.afterMs > 0) await sleep(options.afterMs, ctx.signal);
    return {
      kind: 'plex',
      url: client.baseUrl,
      durationMs: Date.now() - started,
      chosen: selection.items,
      unresolved: selection.unresolved.slice(0, 50),
      sections: selection.sections,
      requested: report.requested,
      completed: report.completed,
      timedOut: report.timedOut,
      failed: report.failed,
      items: report.items,
    };
  } catch (error) {
    if (error instanceof RatchetError) {
      const message = redactText(error.message);
      throw new RatchetError(error.code === 'INTERRUPTED' ? 'INTERRUPTED' : 'MEASUREMENT_FAILED', message, {
        ...(error.hint ? { hint: error.hint } : {}),
        details: { ...(error.details ?? {}) },
      });
    }
    throw error;
  }
}

async function runCommand(options: CommandRefreshOptions, ctx: PhaseContext): Promise<RefreshSummary> {
  const started = Date.now();
  const [file, ...args] = options.command as [string, ...string[]];
  const result = await execa(file, args, {
    reject: false,
    timeout: options.timeoutMs,
    cancelSignal: ctx.signal,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: 'ignore',
    all: true,
    maxBuffer: 1024 * 1024,
  });
  const tail = String(result.all ?? '')
    .split('\n')
    .slice(-10)
    .join('\n')
    .trim();
  if (ctx.signal.aborted) throw new RatchetError('INTERRUPTED', `refresh command ${file} was interrupted`);
  if (result.timedOut) {
    throw new RatchetError(
      'SUBPROCESS_TIMEOUT',
      `refresh command ${file} did not finish within ${options.timeoutMs} ms`,
      {
        details: { tail },
      },
    );
  }
  if (result.failed) {
    const why = result.exitCode === undefined ? result.shortMessage : `exited with code ${result.exitCode}`;
    throw new RatchetError(
      'SUBPROCESS_EXIT',
      `refresh command ${file} ${why}${tail ? `; its last output:\n${tail}` : ''}`,
    );
  }
  return {
    kind: 'command',
    command: options.command,
    exitCode: result.exitCode ?? 0,
    durationMs: Date.now() - started,
  };
}

async function waitForTraffic(options: WaitRefreshOptions, ctx: PhaseContext): Promise<RefreshSummary> {
  const started = Date.now();
  ctx.progress(`waiting ${Math.round(options.durationMs / 1000)} s for traffic`);
  try {
    await sleep(options.durationMs, ctx.signal);
  } catch {
    throw new RatchetError('INTERRUPTED', 'the wait for traffic was interrupted');
  }
  return { kind: 'wait', durationMs: Date.now() - started };
}
