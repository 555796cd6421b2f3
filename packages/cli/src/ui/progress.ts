import { escapeControl, formatNumber, type Logger, type LoopEvents } from '@ratchet/core';
import { formatChanges } from './plan.js';

export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  verbose?: boolean;
}

/**
 * Shows the loop's progress on stderr: a live status line on a terminal, plain lines otherwise
 * (CI logs, pipes), so that stdout stays free for `--json`.
 */
export class ProgressDisplay {
  private readonly stream: NodeJS.WriteStream;
  private readonly live: boolean;
  private liveLine = '';

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.live = Boolean(this.stream.isTTY) && !process.env.CI && process.env.TERM !== 'dumb';
  }

  /** Prints a line above the live status line. */
  line(text: string): void {
    this.clearLive();
    this.stream.write(`${escapeControl(text)}\n`);
    this.redrawLive();
  }

  status(raw: string): void {
    if (!this.live) return;
    const text = escapeControl(raw, { lines: false });
    this.liveLine = text.length > 118 ? `${text.slice(0, 117)}…` : text;
    this.redrawLive();
  }

  done(): void {
    this.clearLive();
    this.liveLine = '';
  }

  attach(events: LoopEvents): void {
    events.on('run:start', ({ outDir, resumed }) =>
      this.line(`${resumed ? 'resuming' : 'starting'} run in ${outDir}`),
    );
    events.on('iteration:start', ({ iteration }) => this.line(`— iteration ${iteration}`));
    events.on('phase:start', ({ phase, fix }) => {
      const what = fix ? `${phase} ${fix.id}` : phase;
      if (this.live) this.status(`  ${what} …`);
      else this.line(`  ${what} …`);
    });
    events.on('phase:progress', ({ phase, message, done, total }) => {
      const count = done !== undefined && total ? ` ${done}/${total}` : '';
      if (this.live) this.status(`  ${phase}: ${message}${count}`);
    });
    events.on('phase:failure', ({ phase, error }) => this.line(`  ${phase} failed: ${error.message}`));
    events.on('measurement', ({ objective, metrics }) =>
      this.line(
        `  measured: objective ${formatNumber(objective)} (${Object.entries(metrics)
          .map(([k, v]) => `${k}=${formatNumber(v)}`)
          .join(', ')})`,
      ),
    );
    events.on('decision', (d) => {
      this.line(
        `  ${d.outcome.padEnd(8)} ${d.fixId}: objective ${formatNumber(d.objectiveBefore)} -> ${formatNumber(d.objectiveAfter)}; next: ${d.next}`,
      );
      // A dry run is a plan: show what each fix would change, diff included, like `terraform plan`.
      const changes = d.evidence?.changes;
      if (d.outcome === 'DRY_RUN' && Array.isArray(changes)) {
        const plan = formatChanges(`  plan for ${d.fixId}${d.fixName ? `: ${d.fixName}` : ''}:`, changes);
        for (const text of plan.trimEnd().split('\n')) this.line(`  ${text}`);
      }
    });
    events.on('pause', ({ reason }) => this.line(`paused: ${reason}`));
    events.on('exit', ({ condition, reason }) => this.line(`exit: ${condition} — ${reason}`));
  }

  logger(verbose = false): Logger {
    const write = (level: string, message: string) =>
      this.line(`  ${level === 'info' ? '' : `${level}: `}${message}`);
    return {
      debug: (message) => {
        if (verbose) write('debug', message);
      },
      info: (message) => {
        if (verbose) write('info', message);
      },
      warn: (message) => write('warn', message),
      error: (message) => write('error', message),
    };
  }

  private clearLive(): void {
    if (this.live && this.liveLine) this.stream.write('\r\x1b[2K');
  }

  private redrawLive(): void {
    if (this.live && this.liveLine) this.stream.write(`\r\x1b[2K${this.liveLine}`);
  }
}
