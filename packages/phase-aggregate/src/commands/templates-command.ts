import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RatchetError, redactText } from '@ratchet/core';
import { compileLineFormat } from '../aggregating/generic-aggregator.js';
import { TemplateMiner } from '../mining/template-miner.js';
import { type ReadProblem, readLines } from '../reading/line-reader.js';
import { type CommandIo, reportCommandError } from './aggregate-command.js';

export interface TemplatesCommandOptions {
  paths: string[];
  /** A JavaScript regex with a named group `message`: the part to mine (other lines are mined whole). */
  lineFormat?: string;
  /** Write `line,templateId,template`, one row per input line, to this CSV file. */
  assignments?: string;
  format?: 'json' | 'text';
}

function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function expandFiles(paths: string[], problems: ReadProblem[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    try {
      const info = await stat(path);
      if (!info.isDirectory()) {
        files.push(path);
        continue;
      }
      for (const entry of (await readdir(path)).sort()) {
        const inner = join(path, entry);
        if ((await stat(inner)).isFile()) files.push(inner);
      }
    } catch (error) {
      problems.push({
        file: path,
        kind: 'unreadable',
        message: `cannot read ${path}: ${(error as Error).message}`,
      });
    }
  }
  return files;
}

async function writeLine(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** `ratchet templates PATH... [--line-format REGEX] [--assignments OUT.csv] [--format json|text]`. */
export async function runTemplatesCommand(opts: TemplatesCommandOptions, io: CommandIo): Promise<number> {
  const format = opts.format ?? 'text';
  let scratch: string | undefined;
  try {
    if (format !== 'json' && format !== 'text') {
      throw new RatchetError('USAGE', `--format: ${JSON.stringify(format)} is not one of json, text`);
    }
    if (opts.paths.length === 0)
      throw new RatchetError('USAGE', 'templates: give at least one log file or folder');
    const lineFormat =
      opts.lineFormat === undefined ? undefined : compileLineFormat(opts.lineFormat, '--line-format');
    const problems: ReadProblem[] = [];
    const files = await expandFiles(opts.paths, problems);
    const miner = new TemplateMiner();
    // Cluster ids per line go to a scratch file first: templates still change until the last line.
    scratch =
      opts.assignments === undefined
        ? undefined
        : join(tmpdir(), `ratchet-assign-${process.pid}-${Date.now()}.txt`);
    const scratchStream = scratch === undefined ? undefined : createWriteStream(scratch);
    let lines = 0;
    for (const file of files) {
      const pendingIds: string[] = [];
      const { problems: fileProblems } = await readLines(file, (line) => {
        const message = lineFormat?.exec(line)?.groups?.message ?? line;
        const cluster = miner.add(redactText(message));
        lines += 1;
        if (scratchStream) pendingIds.push(String(cluster.id));
        if (scratchStream && pendingIds.length >= 4096)
          scratchStream.write(`${pendingIds.splice(0).join('\n')}\n`);
      });
      if (scratchStream && pendingIds.length > 0)
        await writeLine(scratchStream, `${pendingIds.join('\n')}\n`);
      problems.push(...fileProblems);
    }
    if (scratchStream && scratch !== undefined && opts.assignments !== undefined) {
      scratchStream.end();
      await once(scratchStream, 'close');
      const target = resolve(opts.assignments);
      const temp = `${target}.${process.pid}.tmp`;
      const out = createWriteStream(temp);
      await writeLine(out, 'line,templateId,template\n');
      const clusters = miner.clusters();
      let lineNumber = 0;
      let buffer = '';
      await readLines(scratch, (idText) => {
        if (idText.length === 0) return;
        lineNumber += 1;
        const id = Number(idText);
        const template =
          id === 0 ? '<*>' : TemplateMiner.template(clusters[id - 1] ?? { id, tokens: [], size: 0 });
        buffer += `${lineNumber},T${id},${csvField(template)}\n`;
        if (buffer.length > 1 << 16) {
          out.write(buffer);
          buffer = '';
        }
      });
      out.end(buffer);
      await once(out, 'close');
      await rename(temp, target);
    }
    const templates = [...miner.clusters()]
      .sort((a, b) => b.size - a.size || a.id - b.id)
      .map((cluster) => ({
        id: `T${cluster.id}`,
        count: cluster.size,
        template: TemplateMiner.template(cluster),
      }));
    if (format === 'json')
      io.stdout.write(`${JSON.stringify({ lines, files, templates, problems }, null, 2)}\n`);
    else
      for (const template of templates)
        io.stdout.write(`${String(template.count).padStart(8)}  ${template.id}  ${template.template}\n`);
    for (const problem of problems) io.stderr.write(`warning: ${problem.message}\n`);
    return 0;
  } catch (error) {
    return reportCommandError(error, io, 'templates');
  } finally {
    if (scratch !== undefined) await rm(scratch, { force: true });
  }
}
