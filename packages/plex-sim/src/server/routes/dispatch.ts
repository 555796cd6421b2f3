import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultPlanRuntime } from '../fault-plan.js';
import { HttpProblem } from '../http/http-problem.js';
import { hasToken } from '../http/request.js';
import { sendJson, sendProblem, sendUnauthorized } from '../http/respond.js';
import type { Route } from './route.js';

/** The request handler: route by path and method, check the token, let the fault plan intercept. */
export function createDispatcher(
  routes: Route[],
  token: string,
  faults: FaultPlanRuntime,
): (request: IncomingMessage, response: ServerResponse) => void {
  async function dispatch(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const candidates = routes.filter((route) => route.pattern.test(url.pathname));
    const route = candidates.find((candidate) => candidate.method === (request.method ?? 'GET'));
    try {
      if (!route) {
        if (candidates.length > 0) throw new HttpProblem(405, 'method_not_allowed');
        throw new HttpProblem(404, 'Not Found');
      }
      if (route.auth && !hasToken(request, url, token)) {
        sendUnauthorized(response);
        return;
      }
      if (
        route.name !== 'uncounted' &&
        (await faults.intercept(route.name, route.faultable, request, response))
      )
        return;
      await route.handle(request, response, route.pattern.exec(url.pathname)!, url);
    } catch (error) {
      if (!(error instanceof HttpProblem)) throw error;
      sendProblem(response, error);
    }
  }
  return (request, response) => {
    dispatch(request, response).catch((error: unknown) => {
      if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      else response.destroy();
    });
  };
}
