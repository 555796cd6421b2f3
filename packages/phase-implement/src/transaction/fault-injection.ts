/**
 * Fault injection for crash tests: RATCHET_IMPLEMENT_FAULT=<when>:<N>[:kill] where <when> is
 * `before-action` (backups and manifest written, action N not started) or `after-action` (action N
 * done). The process then prints `ratchet-fault: <when>:<N>` on stderr and waits to be killed, or
 * with `:kill` kills itself with SIGKILL. Never set it outside tests.
 */
export const FAULT_ENV = 'RATCHET_IMPLEMENT_FAULT';

export async function faultPoint(when: 'before-action' | 'after-action', action: number): Promise<void> {
  const spec = process.env[FAULT_ENV];
  if (!spec) return;
  const [specWhen, specAction, mode] = spec.split(':');
  if (specWhen !== when || Number(specAction) !== action) return;
  process.stderr.write(`ratchet-fault: ${when}:${action}\n`);
  if (mode === 'kill') process.kill(process.pid, 'SIGKILL');
  await new Promise(() => setInterval(() => undefined, 60_000));
}
