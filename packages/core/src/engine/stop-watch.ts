/**
 * Watches for a stop request (the first Ctrl+C, SIGTERM, the STOP file) while a step runs. The
 * loop checks for one at every phase boundary; this turns the same request into an abort signal
 * that a phase doing long CPU-bound work (a measurement over a large log) honours within a second.
 */
export class StopWatch {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly requested: () => boolean,
    private readonly intervalMs = 100,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(): void {
    if (this.timer || this.controller.signal.aborted) return;
    this.timer = setInterval(() => {
      if (!this.requested()) return;
      this.controller.abort(new Error('a stop was requested'));
      this.stop();
    }, this.intervalMs);
    // The watch never keeps the process alive on its own.
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
