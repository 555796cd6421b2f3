/** An answer with an error status; the dispatcher renders it as a real server does (an HTML page). */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
