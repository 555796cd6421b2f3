import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AgentRuntime } from '../../agent/agent-runtime.js';
import type { DataDirLayout } from '../../data-dir/init-data-dir.js';
import type { SimLibrary, SimMovie } from '../../library/library.js';
import type { FaultPlanRuntime, SimRouteName } from '../fault-plan.js';

export interface Route {
  /** What a fault plan calls it; `uncounted` routes are never counted or faulted. */
  name: SimRouteName | 'uncounted';
  method: string;
  pattern: RegExp;
  auth: boolean;
  faultable: boolean;
  handle(
    request: IncomingMessage,
    response: ServerResponse,
    match: RegExpExecArray,
    url: URL,
  ): Promise<void> | void;
}

/** What the routes of one running simulator share. */
export interface SimContext {
  library: SimLibrary;
  byKey: Map<string, SimMovie>;
  runtime: AgentRuntime;
  faults: FaultPlanRuntime;
  layout: DataDirLayout;
  restartMs: number;
}
