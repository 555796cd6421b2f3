// Module hooks that let a plain `node` child process run this package's TypeScript sources. Used
// by the crash test, whose child must be a real process that can be killed. Other workspace
// packages load from their built dist/ (transpiling all of them is slow), or from their sources
// when they are not built.
import { readFile } from 'node:fs/promises';
import ts from 'typescript';

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const relative = specifier.startsWith('.') || specifier.startsWith('file:');
    if (relative && specifier.endsWith('.js')) return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
    // A workspace package that is not built yet: use its TypeScript sources.
    const conditions = [...new Set([...(context.conditions ?? []), 'source'])];
    if (!relative) return nextResolve(specifier, { ...context, conditions });
    throw error;
  }
}

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts')) return nextLoad(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const output = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      experimentalDecorators: true,
      useDefineForClassFields: false,
      verbatimModuleSyntax: true,
    },
  });
  return { format: 'module', source: output.outputText, shortCircuit: true };
}
