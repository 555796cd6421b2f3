import { execa } from 'execa';
import { BoundedLines } from './bounded-lines.js';
import { signalProcessTree, spawnsInOwnGroup, trackGroup, untrackGroup } from './process-group.js';

export interface CommandRequest {
  program: string;
  args: string[];
  cwd: string;
  /** Added to the current environment. */
  env: Record<string, string>;
  timeoutMs: number;
  killGraceMs: number;
  signal: AbortSignal;
  /** Keep stdout (up to maxStdoutBytes) as the result; otherwise stream it line by line like stderr. */
  captureStdout: boolean;
  maxStdoutBytes: number;
  onStderrLine(line: string): void;
  onStdoutLine(line: string): void;
}

/** Why the command stopped: it exited by itself, or we stopped it. */
export type CommandEnd = 'exited' | 'timeout' | 'aborted' | 'stdout-limit' | 'spawn-failed';

export interface CommandOutcome {
  end: CommandEnd;
  exitCode: number | undefined;
  /** The signal that ended the process, when one did. */
  signal: string | undefined;
  /** Set when the command could not be started (ENOENT, EACCES, ...). */
  spawnError: NodeJS.ErrnoException | undefined;
  stdout: Buffer | undefined;
  stderrTail: string;
  stderrBytes: number;
  stderrLines: number;
  durationMs: number;
  /** True when SIGTERM was not enough and the process group was killed with SIGKILL. */
  forceKilled: boolean;
}

const MAX_LINE_LENGTH = 16 * 1024;
const STDERR_TAIL_CHARS = 4 * 1024;
/** After the command itself exits, how long a background grandchild may keep its pipes open. */
const STREAM_DRAIN_MS = 2_000;

/**
 * Runs one command with an argv array (never a shell) in its own process group, streaming stderr
 * line by line and keeping only a bounded tail. Never throws for the command's own failures: the
 * outcome says how it ended, and the caller turns that into an error that names the phase.
 */
export async function runCommand(request: CommandRequest): Promise<CommandOutcome> {
  const startedAt = performance.now();
  const subprocess = execa(request.program, request.args, {
    cwd: request.cwd,
    env: request.env,
    extendEnv: true,
    detached: spawnsInOwnGroup(),
    cleanup: !spawnsInOwnGroup(),
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    windowsHide: true,
  });
  trackGroup(subprocess);

  const stderr = new BoundedLines({
    maxLineLength: MAX_LINE_LENGTH,
    tailChars: STDERR_TAIL_CHARS,
    onLine: request.onStderrLine,
  });
  const stdoutLines = new BoundedLines({
    maxLineLength: MAX_LINE_LENGTH,
    tailChars: 0,
    onLine: request.onStdoutLine,
  });
  const stdoutChunks: Buffer[] = [];
  let stdoutBytes = 0;

  let end: CommandEnd = 'exited';
  let forceKilled = false;
  const timers: NodeJS.Timeout[] = [];
  const stop = (reason: CommandEnd): void => {
    if (end !== 'exited') return;
    end = reason;
    signalProcessTree(subprocess, 'SIGTERM');
    timers.push(
      setTimeout(() => {
        forceKilled = true;
        signalProcessTree(subprocess, 'SIGKILL');
        timers.push(setTimeout(closePipes, STREAM_DRAIN_MS));
      }, request.killGraceMs),
    );
  };
  const closePipes = (): void => {
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
  };

  subprocess.stderr?.on('data', (chunk: Buffer) => stderr.write(chunk));
  subprocess.stdout?.on('data', (chunk: Buffer) => {
    if (!request.captureStdout) {
      stdoutLines.write(chunk);
    } else if (end === 'exited') {
      stdoutBytes += chunk.length;
      if (stdoutBytes > request.maxStdoutBytes) stop('stdout-limit');
      else stdoutChunks.push(chunk);
    }
  });
  // A command that leaves a background process behind must not hold the phase open forever.
  subprocess.once('exit', () => timers.push(setTimeout(closePipes, STREAM_DRAIN_MS).unref()));

  timers.push(setTimeout(() => stop('timeout'), request.timeoutMs));
  const onAbort = (): void => stop('aborted');
  if (request.signal.aborted) onAbort();
  else request.signal.addEventListener('abort', onAbort, { once: true });

  try {
    const result = await subprocess;
    stderr.end();
    stdoutLines.end();
    const cause = result.cause as NodeJS.ErrnoException | undefined;
    const spawnError =
      result.exitCode === undefined && result.signal === undefined && cause?.syscall?.startsWith('spawn');
    return {
      end: spawnError ? 'spawn-failed' : end,
      exitCode: result.exitCode,
      signal: result.signal,
      spawnError: spawnError ? cause : undefined,
      stdout: request.captureStdout ? Buffer.concat(stdoutChunks) : undefined,
      stderrTail: stderr.tailText(),
      stderrBytes: stderr.bytes,
      stderrLines: stderr.lines,
      durationMs: Math.round(performance.now() - startedAt),
      forceKilled,
    };
  } finally {
    for (const timer of timers) clearTimeout(timer);
    // What we decided to stop stays stopped, including children that ignored SIGTERM.
    if (end !== 'exited') signalProcessTree(subprocess, 'SIGKILL');
    request.signal.removeEventListener('abort', onAbort);
    untrackGroup(subprocess);
  }
}
