import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ContainerNode, renderJson, renderXml, wantsJson } from '../media-container.js';
import type { HttpProblem } from './http-problem.js';

/** A MediaContainer, as JSON when the client asks for it and XML otherwise. */
export function sendContainer(
  request: IncomingMessage,
  response: ServerResponse,
  status: number,
  container: ContainerNode,
): void {
  if (wantsJson(request.headers.accept)) {
    response.writeHead(status, { 'Content-Type': 'application/json' });
    response.end(renderJson(container));
  } else {
    response.writeHead(status, { 'Content-Type': 'text/xml;charset=utf-8' });
    response.end(renderXml(container));
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

export function sendUnauthorized(response: ServerResponse): void {
  response.writeHead(401, { 'Content-Type': 'text/html' });
  response.end('<html><head><title>Unauthorized</title></head><body><h1>401 Unauthorized</h1></body></html>');
}

export function sendProblem(response: ServerResponse, problem: HttpProblem): void {
  response.writeHead(problem.status, { 'Content-Type': 'text/html' });
  response.end(
    `<html><head><title>${problem.status}</title></head><body><h1>${problem.status} ${escapeHtml(problem.message)}</h1></body></html>`,
  );
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
