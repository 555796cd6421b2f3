import type {
  AggregateResult,
  DiagnoseInput,
  Diagnosis,
  ErrorType,
  Fix,
  Recommendation,
} from '@ratchet/core';
import { compareWithPrevious } from '../compare/compare-diagnoses.js';
import { priorityOf, type RankedFixes, rankFixes, type Thresholds } from '../ranking/rank-fixes.js';
import type { LoadedRule } from '../rules/load-rules.js';
import { matchRule, type RuleHit } from '../rules/match-rule.js';
import { CaptureError, renderValue, UnusableCaptureError, withProseDefaults } from '../rules/template.js';
import { describeReach, reachOf } from './operations.js';
import { CandidateMerger, type FixCandidate, renderFix } from './render-fix.js';

export type ErrorTypeDiagnosis = {
  id: string;
  category?: string;
  count: number;
  share: number;
  agents: string[];
  template?: string;
  rootCause?: string;
  rules: string[];
  sources: string[];
  fixes: string[];
  recommendations: string[];
  examples: string[];
};

export type NeedsResearch = {
  id: string;
  category?: string;
  count: number;
  share: number;
  agents: string[];
  template?: string;
  examples: string[];
};

export interface Explanation {
  errorTypes: ErrorType[];
  entries: ErrorTypeDiagnosis[];
  candidates: FixCandidate[];
  recommendations: Recommendation[];
  needsResearch: NeedsResearch[];
  problems: string[];
}

/** Every error type that occurred, matched against every rule: root causes, fix candidates, recommendations. */
export function explainErrorTypes(aggregate: AggregateResult, rules: ReadonlyArray<LoadedRule>): Explanation {
  const errorTypes = aggregate.errorTypes.filter((errorType) => errorType.count > 0);
  const candidates = new CandidateMerger();
  const recommendations = new Map<string, { recommendation: Recommendation; targets: Set<string> }>();
  const entries: ErrorTypeDiagnosis[] = [];
  const needsResearch: NeedsResearch[] = [];
  const problems: string[] = [];

  for (const errorType of errorTypes) {
    let hits: RuleHit[] = rules
      .filter((rule) => !rule.fallback)
      .flatMap((rule) => matchRule(rule, errorType));
    if (hits.length === 0) {
      for (const rule of rules.filter((candidate) => candidate.fallback)) {
        hits = matchRule(rule, errorType);
        if (hits.length > 0) break;
      }
    }
    const share = reachOf([errorType], aggregate).share;
    const entry: ErrorTypeDiagnosis = {
      id: errorType.id,
      count: errorType.count,
      share,
      agents: errorType.agents ?? [],
      rules: [],
      sources: [],
      fixes: [],
      recommendations: [],
      examples: (errorType.examples ?? []).slice(0, 3),
    };
    if (errorType.category !== undefined) entry.category = errorType.category;
    if (errorType.template !== undefined) entry.template = errorType.template;
    let bestConfidence = -1;
    for (const hit of hits) {
      try {
        const fixes = (hit.rule.fixes ?? []).flatMap((fix) => {
          try {
            return [renderFix(fix, hit)];
          } catch (error) {
            if (!(error instanceof UnusableCaptureError)) throw error;
            problems.push(
              `fix ${fix.id} of rule ${hit.rule.id} not proposed for ${errorType.id}: ${error.message}`,
            );
            return [];
          }
        });
        const recommendation = hit.rule.recommendation
          ? renderValue(hit.rule.recommendation, withProseDefaults(hit.captures))
          : undefined;
        const rootCause = renderValue(hit.rule.rootCause, withProseDefaults(hit.captures));
        if (hit.rule.confidence > bestConfidence) {
          bestConfidence = hit.rule.confidence;
          entry.rootCause = rootCause;
        }
        if (!entry.rules.includes(hit.rule.id)) entry.rules.push(hit.rule.id);
        for (const source of [hit.rule.source ?? []].flat()) {
          if (!entry.sources.includes(source)) entry.sources.push(source);
        }
        for (const fix of fixes) {
          candidates.add(fix);
          if (!entry.fixes.includes(fix.id)) entry.fixes.push(fix.id);
        }
        if (recommendation) {
          const key = `${recommendation.title}\n${recommendation.detail ?? ''}`;
          const existing = recommendations.get(key);
          if (existing) {
            if (!existing.targets.has(errorType.id)) {
              existing.targets.add(errorType.id);
              existing.recommendation.targets?.push(errorType.id);
            }
          } else {
            recommendations.set(key, {
              recommendation: {
                ...recommendation,
                targets: [errorType.id],
                rootCause,
                rule: hit.rule.id,
                source: hit.rule.source,
              },
              targets: new Set([errorType.id]),
            });
          }
          if (!entry.recommendations.includes(recommendation.title))
            entry.recommendations.push(recommendation.title);
        }
      } catch (error) {
        if (!(error instanceof CaptureError)) throw error;
        problems.push(`rule ${hit.rule.id} skipped for ${errorType.id}: ${error.message}`);
      }
    }
    entries.push(entry);
    if (entry.rules.length === 0) {
      const research: NeedsResearch = {
        id: errorType.id,
        count: errorType.count,
        share,
        agents: entry.agents,
        examples: entry.examples,
      };
      if (entry.category !== undefined) research.category = entry.category;
      if (entry.template !== undefined) research.template = entry.template;
      needsResearch.push(research);
    }
  }
  return {
    errorTypes,
    entries,
    candidates: candidates.fixes(),
    recommendations: [...recommendations.values()].map((entry) => entry.recommendation),
    needsResearch,
    problems,
  };
}

const percent = (value: number) => `${Math.round(value * 100)}%`;

const errorTypesCache = new WeakMap<AggregateResult, ReadonlyMap<string, ErrorType>>();

function errorTypesById(aggregate: AggregateResult): ReadonlyMap<string, ErrorType> {
  let byId = errorTypesCache.get(aggregate);
  if (!byId) {
    byId = new Map(aggregate.errorTypes.map((errorType) => [errorType.id, errorType]));
    errorTypesCache.set(aggregate, byId);
  }
  return byId;
}

/** Impact = share of operations the targeted error types affect x confidence; priority from thresholds. */
export function scoreFix(
  candidate: Omit<FixCandidate, 'ruleId' | 'source' | 'removes' | 'removesBasis'> & {
    ruleId?: string;
    source?: string[];
    removes?: number;
    removesBasis?: string | undefined;
    origin?: string;
  },
  aggregate: AggregateResult,
  thresholds: Thresholds,
): Fix {
  const byId = errorTypesById(aggregate);
  const targeted = candidate.targets.flatMap((id) => byId.get(id) ?? []);
  const reach = reachOf(targeted, aggregate);
  const errors = targeted.reduce((sum, errorType) => sum + errorType.count, 0);
  const impact = Number((reach.share * candidate.confidence).toFixed(4));
  const removes = candidate.removes ?? candidate.confidence;
  const categories = [...new Set(targeted.map((errorType) => errorType.category ?? 'unknown'))].join(', ');
  const basis = [
    `removes up to ${percent(removes)} of ${errors} ${categories} error(s)`,
    candidate.removesBasis,
    `the targeted errors touch ${describeReach(reach)}`,
  ]
    .filter(Boolean)
    .join('; ');
  const fix: Fix = {
    id: candidate.id,
    name: candidate.name,
    priority: priorityOf(impact, thresholds),
    rootCause: candidate.rootCause,
    targets: candidate.targets,
    expectedImprovement: { value: removes, basis },
    actions: candidate.actions,
    confidence: candidate.confidence,
    impact,
    origin: candidate.origin ?? 'rule',
    evidence: {
      errors,
      share: reach.share,
      affected: reach.affected,
      total: reach.total,
      basis: reach.basis,
    },
  };
  if (candidate.alternativeOf !== undefined) fix.alternativeOf = candidate.alternativeOf;
  if (candidate.ruleId !== undefined) fix.rule = candidate.ruleId;
  if (candidate.source !== undefined && candidate.source.length > 0) fix.source = candidate.source;
  return fix;
}

export interface AssembleInput {
  input: DiagnoseInput;
  explanation: Explanation;
  fixes: Fix[];
  thresholds: Thresholds;
  extraProblems?: string[];
  external?: Record<string, unknown>;
}

export function assembleDiagnosis({
  input,
  explanation,
  fixes,
  thresholds,
  extraProblems,
  external,
}: AssembleInput): Diagnosis {
  const ranked: RankedFixes = rankFixes(fixes, input, input.previous?.fixes ?? []);
  const byId = new Map(ranked.fixes.map((fix) => [fix.id, fix]));
  // An error type's fix list follows the ranking and leaves out what was already attempted.
  for (const entry of explanation.entries) entry.fixes = entry.fixes.filter((id) => byId.has(id));
  const entriesById = new Map(explanation.entries.map((entry) => [entry.id, entry]));
  for (const fix of ranked.fixes) {
    for (const target of fix.targets) {
      const entry = entriesById.get(target);
      if (entry && !entry.fixes.includes(fix.id)) entry.fixes.push(fix.id);
    }
  }
  const researchedByExternal = new Set(
    ranked.fixes.filter((fix) => fix.origin === 'external').flatMap((fix) => fix.targets),
  );
  const problems = [...explanation.problems, ...(extraProblems ?? [])];
  const diagnosis: Diagnosis = {
    mode: input.mode,
    generatedAt: new Date().toISOString(),
    thresholds,
    summary: {
      errorTypes: explanation.entries.length,
      errors: explanation.entries.reduce((sum, entry) => sum + entry.count, 0),
      explained: explanation.entries.length - explanation.needsResearch.length,
      fixes: ranked.fixes.length,
      highPriority: ranked.fixes.filter((fix) => fix.priority === 'HIGH').length,
      recommendations: explanation.recommendations.length,
      needsResearch: explanation.needsResearch.length,
    },
    errorTypes: explanation.entries,
    fixes: ranked.fixes,
    recommendations: explanation.recommendations,
    needsResearch: explanation.needsResearch.map((entry) => ({
      ...entry,
      externalFixes: researchedByExternal.has(entry.id),
    })),
    excluded: ranked.excluded,
    promoted: ranked.promoted,
    problems,
  };
  if (external) diagnosis.external = external;
  if (input.mode === 'focused') {
    const { comparison, changes } = compareWithPrevious(explanation.errorTypes, input.previous);
    diagnosis.comparison = comparison;
    diagnosis.changes = changes;
    if (!input.previous)
      problems.push('focused mode without a previous diagnosis: every error type counts as new');
  }
  return diagnosis;
}
