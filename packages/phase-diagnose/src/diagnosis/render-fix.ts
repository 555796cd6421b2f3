import type { FixAction } from '@ratchet/core';
import { PATH_CAPTURE } from '../rules/load-rules.js';
import type { RuleHit } from '../rules/match-rule.js';
import type { RuleFix } from '../rules/rule-schema.js';
import {
  assertUsableCaptures,
  type Captures,
  placeholdersInValue,
  renderArgv,
  renderText,
  renderValue,
  withProseDefaults,
} from '../rules/template.js';

/** A fix as one rule proposes it for one hit, before hits are merged and ranked. */
export interface FixCandidate {
  id: string;
  name: string;
  rootCause: string;
  ruleId: string;
  source: string[];
  confidence: number;
  removes: number;
  removesBasis: string | undefined;
  alternativeOf: string | undefined;
  actions: FixAction[];
  targets: string[];
}

/** A `command` action's argv and undo are rendered so that no captured value becomes an option. */
function renderAction(action: unknown, captures: Captures): FixAction {
  const rendered = renderValue(action, captures) as FixAction & { argv?: unknown; undo?: unknown };
  if (rendered.type !== 'command') return rendered;
  const source = action as { argv?: unknown; undo?: unknown };
  if (Array.isArray(source.argv)) rendered.argv = renderArgv(source.argv, captures);
  if (Array.isArray(source.undo)) rendered.undo = renderArgv(source.undo, captures);
  return rendered;
}

/** Actions that use {{path}} are repeated once per matching path of the error type. */
function renderActions(actions: unknown[], hit: RuleHit): FixAction[] {
  const render = (action: unknown, captures: Record<string, string>) => {
    assertUsableCaptures(action, captures);
    return renderAction(action, captures);
  };
  return actions.flatMap((action) => {
    if (!placeholdersInValue(action).includes(PATH_CAPTURE)) return [render(action, hit.captures)];
    return hit.paths.map((path) => render(action, { ...hit.captures, [PATH_CAPTURE]: path }));
  });
}

export function renderFix(fix: RuleFix, hit: RuleHit): FixCandidate {
  const { rule, captures } = hit;
  const confidence = fix.confidence ?? rule.confidence;
  const prose = withProseDefaults(captures);
  return {
    id: renderText(fix.id, captures).replace(/\s+/g, '-'),
    name: renderText(fix.name, prose),
    rootCause: renderText(rule.rootCause, prose),
    ruleId: rule.id,
    source: rule.source === undefined ? [] : Array.isArray(rule.source) ? rule.source : [rule.source],
    confidence,
    removes: fix.expectedImprovement?.value ?? confidence,
    removesBasis: fix.expectedImprovement ? renderText(fix.expectedImprovement.basis, prose) : undefined,
    alternativeOf: fix.alternativeOf === undefined ? undefined : renderText(fix.alternativeOf, captures),
    actions: renderActions(fix.actions, hit),
    targets: [hit.errorType.id],
  };
}

/**
 * Same fix id from several hits: one fix targeting all their error types. Sets keep merging linear
 * when one fix (a restart, a bundle clean-up) gathers thousands of error types.
 */
export class CandidateMerger {
  private readonly byId = new Map<
    string,
    { fix: FixCandidate; targets: Set<string>; actions: Set<string> }
  >();

  add(candidate: FixCandidate): void {
    const existing = this.byId.get(candidate.id);
    if (!existing) {
      this.byId.set(candidate.id, {
        fix: { ...candidate, targets: [...candidate.targets], actions: [...candidate.actions] },
        targets: new Set(candidate.targets),
        actions: new Set(candidate.actions.map((action) => JSON.stringify(action))),
      });
      return;
    }
    for (const target of candidate.targets) {
      if (existing.targets.has(target)) continue;
      existing.targets.add(target);
      existing.fix.targets.push(target);
    }
    for (const action of candidate.actions) {
      const key = JSON.stringify(action);
      if (existing.actions.has(key)) continue;
      existing.actions.add(key);
      existing.fix.actions.push(action);
    }
    existing.fix.confidence = Math.max(existing.fix.confidence, candidate.confidence);
  }

  /** The merged fixes; a single restart goes after every change it is meant to pick up. */
  fixes(): FixCandidate[] {
    return [...this.byId.values()].map(({ fix }) => {
      const restarts = fix.actions.filter((action) => action.type === 'restart');
      if (restarts.length === 0) return fix;
      return {
        ...fix,
        actions: [...fix.actions.filter((action) => action.type !== 'restart'), restarts[0]!],
      };
    });
  }
}
