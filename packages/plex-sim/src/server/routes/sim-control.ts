import { isRatchetError } from '@ratchet/core';
import { parseFaultPlan } from '../fault-plan.js';
import { HttpProblem } from '../http/http-problem.js';
import { readBody } from '../http/request.js';
import { sendJson } from '../http/respond.js';
import type { Route, SimContext } from './route.js';

/** The simulator's own endpoints under `/:/sim/`: restart the agent, status, the fault plan. */
export function simControlRoutes(context: SimContext): Route[] {
  const { runtime, faults, layout } = context;
  return [
    {
      name: 'agent-restart',
      method: 'POST',
      pattern: /^\/:\/sim\/agent\/restart$/,
      auth: true,
      faultable: false,
      handle: async (_request, response) => {
        try {
          await runtime.requestRestart();
        } catch (error) {
          throw new HttpProblem(409, isRatchetError(error) ? error.message : String(error));
        }
        sendJson(response, 202, { accepted: true, restartMs: context.restartMs });
      },
    },
    {
      name: 'uncounted',
      method: 'GET',
      pattern: /^\/:\/sim\/status$/,
      auth: true,
      faultable: false,
      handle: (_request, response) => {
        sendJson(response, 200, {
          healthy: runtime.healthy,
          prefs: runtime.prefs ?? null,
          refreshes: runtime.refreshCount,
          activities: runtime.activities.length,
          faults: faults.status(),
          dataDir: layout.dataDir,
          agentLog: layout.agentLogFile,
        });
      },
    },
    {
      name: 'uncounted',
      method: 'PUT',
      pattern: /^\/:\/sim\/faults$/,
      auth: true,
      faultable: false,
      handle: async (request, response) => {
        const body = await readBody(request);
        let json: unknown;
        try {
          json = body.trim() === '' ? {} : JSON.parse(body);
        } catch {
          throw new HttpProblem(400, 'faults: the body must be a JSON object');
        }
        try {
          faults.replace(parseFaultPlan(json, 'faults'));
        } catch (error) {
          throw new HttpProblem(400, isRatchetError(error) ? error.message : String(error));
        }
        sendJson(response, 200, { faults: faults.status() });
      },
    },
    {
      name: 'uncounted',
      method: 'POST',
      pattern: /^\/:\/sim\/faults\/windows\/([^/]+)\/(open|close)$/,
      auth: true,
      faultable: false,
      handle: (_request, response, match) => {
        const name = decodeURIComponent(match[1]!);
        if (!faults.hasWindow(name)) throw new HttpProblem(404, `No window ${name} in the fault plan`);
        faults.setWindow(name, match[2] === 'open');
        sendJson(response, 200, { window: name, open: match[2] === 'open' });
      },
    },
  ];
}
