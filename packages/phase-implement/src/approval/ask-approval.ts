import { createInterface } from 'node:readline/promises';
import { escapeControl, RatchetError } from '@ratchet/core';

export interface ApprovalTerminal {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
}

export const processTerminal: ApprovalTerminal = { input: process.stdin, output: process.stderr };

/**
 * Shows what a fix would change and asks on the terminal (prompt on stderr, answer on stdin).
 * Without a terminal there is nobody to ask: refuse and say how to approve in advance.
 */
export async function askApproval(
  fixId: string,
  summary: string,
  terminal: ApprovalTerminal,
): Promise<boolean> {
  if (!terminal.input.isTTY) {
    throw new RatchetError(
      'ACTION_REFUSED',
      `fix '${fixId}' needs approval (approve: true), but there is no terminal to ask on; pass --yes to approve fixes in advance`,
      {
        hint: 'Pass --yes to approve fixes without asking, or run Ratchet in a terminal.',
        details: { fixId },
      },
    );
  }
  // Text from logs and fixes may hold escape sequences that would redraw what the user approves.
  terminal.output.write(`${escapeControl(summary)}\n`);
  const readline = createInterface({ input: terminal.input, output: terminal.output, terminal: false });
  try {
    const answer = await readline.question(`Apply fix '${escapeControl(fixId, { lines: false })}'? [y/N] `);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    readline.close();
  }
}
