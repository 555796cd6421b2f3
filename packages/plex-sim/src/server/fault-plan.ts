import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RatchetError } from '@ratchet/core';
import { z } from 'zod';
import { decideFault, FaultsSchema } from './faults.js';

/** The routes a plan can name (`*`: every Plex API route, not /identity or the simulator's own). */
export const SIM_ROUTE_NAMES = [
  'identity',
  'server',
  'library',
  'sections',
  'items',
  'timeline',
  'metadata',
  'refresh',
  'children',
  'activities',
  'prefs',
  'agent-restart',
] as const;
export type SimRouteName = (typeof SIM_ROUTE_NAMES)[number] | 'sim-status' | 'sim-faults';

export const FAULT_KINDS = ['503', '429', 'drop', 'stall', 'malformed-json', '401'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const RouteRef = z.enum([...SIM_ROUTE_NAMES, '*']);
const count = z.number().int().min(1);
const WindowName = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, "_", "." or "-", at most 64');

/** A window opens or closes when the `request`-th request to `route` arrives (counted from 1). */
const TriggerSchema = z.object({ route: z.enum(SIM_ROUTE_NAMES), request: count }).strict();

const WindowSchema = z
  .object({
    opensAt: TriggerSchema.optional(),
    closesAt: TriggerSchema.optional(),
  })
  .strict();

const RuleSchema = z
  .object({
    route: RouteRef,
    fault: z.enum(FAULT_KINDS),
    /** Only the `nth` request to the route (counted from 1 since the plan was set). */
    nth: count.optional(),
    /** Only requests `from` .. `to` (inclusive) to the route. */
    from: count.optional(),
    to: count.optional(),
    /** Only while this window is open. */
    window: WindowName.optional(),
    /** At most this many requests get the fault. */
    times: count.optional(),
    /** 429: the Retry-After header, in seconds. */
    retryAfterSeconds: z.number().int().min(0).max(3600).default(1),
    /** stall: how long the request is held before the connection is dropped (default: until the window closes or the server stops). */
    stallMs: z.number().int().min(0).max(3_600_000).optional(),
  })
  .strict()
  .refine((rule) => rule.nth === undefined || (rule.from === undefined && rule.to === undefined), {
    message: 'give either nth or from/to, not both',
  })
  .refine((rule) => rule.from === undefined || rule.to === undefined || rule.to >= rule.from, {
    message: 'to must not be before from',
  });

/**
 * A fault plan: the simulator's random faults (`errorRate`, `dropRate`, ... as before) plus rules
 * that fault exactly the Nth request to a route or every request while a named window is open.
 */
export const FaultPlanSchema = FaultsSchema.extend({
  windows: z.record(WindowName, WindowSchema).default({}),
  rules: z.array(RuleSchema).max(100).default([]),
})
  .strict()
  .superRefine((plan, ctx) => {
    plan.rules.forEach((rule, index) => {
      if (rule.window !== undefined && !(rule.window in plan.windows)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', index, 'window'],
          message: `no window "${rule.window}" in windows (declared: ${Object.keys(plan.windows).join(', ') || 'none'})`,
        });
      }
    });
  });
export type FaultPlan = z.infer<typeof FaultPlanSchema>;
export type FaultPlanInput = z.input<typeof FaultPlanSchema>;
export type FaultRule = FaultPlan['rules'][number];

/** Validates a plan; the error names `where` and the key that is wrong. */
export function parseFaultPlan(input: unknown, where: string): FaultPlan {
  const parsed = FaultPlanSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RatchetError(
      'INPUT_INVALID',
      `${where}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { hint: 'See "Faults" in docs/plex-sim.md for the fault plan format.' },
    );
  }
  return parsed.data;
}

type Decision =
  | { kind: 'none' }
  | { kind: FaultKind; rule?: FaultRule; status?: number; retryAfterSeconds: number };

/**
 * The plan at run time: per-route request counters, which windows are open, and what each request
 * gets. Everything is decided from counts and explicit control calls, never from timing.
 */
export class FaultPlanRuntime {
  #plan: FaultPlan;
  #requests = new Map<string, number>();
  #faultable = 0;
  #open = new Set<string>();
  #hits = new Map<FaultRule, number>();
  /** Held requests: their release, by the window that ends them (undefined: its timer or close). */
  #stalled = new Map<() => void, string | undefined>();

  constructor(
    plan: FaultPlan,
    private readonly seed: number,
  ) {
    this.#plan = plan;
  }

  get plan(): FaultPlan {
    return this.#plan;
  }

  /** Replaces the plan: counters start again from zero and every window is closed. */
  replace(plan: FaultPlan): void {
    this.#plan = plan;
    this.#requests.clear();
    this.#faultable = 0;
    this.#hits.clear();
    this.closeAll();
  }

  hasWindow(name: string): boolean {
    return name in this.#plan.windows;
  }

  setWindow(name: string, open: boolean): void {
    if (open) {
      this.#open.add(name);
      return;
    }
    this.#open.delete(name);
    for (const [release, window] of [...this.#stalled]) if (window === name) release();
  }

  status() {
    return {
      ...this.#plan,
      openWindows: [...this.#open].sort(),
      requests: Object.fromEntries(this.#requests),
      faulted: this.#plan.rules.map((rule) => this.#hits.get(rule) ?? 0),
    };
  }

  /** Counts a request to `route`, moves the windows it triggers, and says what it gets. */
  decide(route: SimRouteName, apiRoute: boolean): Decision {
    const n = (this.#requests.get(route) ?? 0) + 1;
    this.#requests.set(route, n);
    for (const [name, window] of Object.entries(this.#plan.windows)) {
      if (window.closesAt?.route === route && window.closesAt.request === n) this.setWindow(name, false);
      if (window.opensAt?.route === route && window.opensAt.request === n) this.setWindow(name, true);
    }
    for (const rule of this.#plan.rules) {
      if (rule.route === '*' ? !apiRoute : rule.route !== route) continue;
      if (rule.nth !== undefined && n !== rule.nth) continue;
      if (rule.from !== undefined && n < rule.from) continue;
      if (rule.to !== undefined && n > rule.to) continue;
      if (rule.window !== undefined && !this.#open.has(rule.window)) continue;
      const hits = this.#hits.get(rule) ?? 0;
      if (rule.times !== undefined && hits >= rule.times) continue;
      this.#hits.set(rule, hits + 1);
      return { kind: rule.fault, rule, retryAfterSeconds: rule.retryAfterSeconds };
    }
    if (!apiRoute) return { kind: 'none' };
    this.#faultable += 1;
    const random = decideFault(this.#plan, this.seed, this.#faultable);
    if (random.kind === 'drop') return { kind: 'drop', retryAfterSeconds: 0 };
    if (random.kind === 'status') {
      return random.status === 429
        ? { kind: '429', retryAfterSeconds: this.#plan.retryAfterSeconds }
        : { kind: '503', status: random.status, retryAfterSeconds: 0 };
    }
    return { kind: 'none' };
  }

  /**
   * The hook in the request path: applies the plan to one request. Returns true when the request
   * was answered (or dropped) by a fault and must not reach its handler.
   */
  async intercept(
    route: SimRouteName,
    apiRoute: boolean,
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<boolean> {
    const decision = this.decide(route, apiRoute);
    if (apiRoute && this.#plan.delayMs > 0) await sleep(this.#plan.delayMs);
    switch (decision.kind) {
      case 'none':
        return false;
      case 'drop':
        request.socket.destroy();
        return true;
      case 'stall':
        await this.#stall(decision.rule?.window, decision.rule?.stallMs);
        request.socket.destroy();
        return true;
      case '401':
        answer(response, 401, 'Unauthorized');
        return true;
      case '429':
        response.setHeader('Retry-After', String(decision.retryAfterSeconds));
        answer(response, 429, 'Too Many Requests (injected fault)');
        return true;
      case '503':
        answer(response, decision.status ?? 503, 'Service Unavailable (injected fault)');
        return true;
      case 'malformed-json':
        response.writeHead(200, { 'Content-Type': 'application/json' });
        response.end('{"MediaContainer": {"size": 1, "Metadata": [{"ratingKey": "10');
        return true;
    }
  }

  /** Ends every stall (the server is closing). */
  closeAll(): void {
    this.#open.clear();
    for (const release of [...this.#stalled.keys()]) release();
  }

  #stall(window: string | undefined, ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.#stalled.delete(release);
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(release, ms);
      this.#stalled.set(release, window);
    });
  }
}

function answer(response: ServerResponse, status: number, message: string): void {
  response.writeHead(status, { 'Content-Type': 'text/html' });
  response.end(
    `<html><head><title>${status}</title></head><body><h1>${status} ${message}</h1></body></html>`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Reads a fault plan from a JSON file (`ratchet sim --faults FILE`); errors name the file. */
export function readFaultPlanFile(path: string): FaultPlan {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `fault plan ${path}: cannot read it (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RatchetError(
      'INPUT_INVALID',
      `fault plan ${path}: not valid JSON (${(error as Error).message})`,
      {
        hint: 'See "Faults" in docs/plex-sim.md for the fault plan format.',
      },
    );
  }
  return parseFaultPlan(json, `fault plan ${path}`);
}
