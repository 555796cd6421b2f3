/**
 * Grouping accuracy (Zhu et al., ICSE-SEIP 2019): a line is correct when the group the miner put it
 * in holds exactly the lines of its ground-truth group. Returns the share of correct lines.
 */
export function groupingAccuracy(predicted: readonly (string | number)[], truth: readonly string[]): number {
  if (predicted.length !== truth.length) {
    throw new Error(`groupingAccuracy: ${predicted.length} predictions for ${truth.length} lines`);
  }
  if (truth.length === 0) return 1;
  const truthSize = new Map<string, number>();
  for (const id of truth) truthSize.set(id, (truthSize.get(id) ?? 0) + 1);
  const byPredicted = new Map<string | number, Map<string, number>>();
  for (let i = 0; i < predicted.length; i += 1) {
    const key = predicted[i] as string | number;
    const inner = byPredicted.get(key) ?? new Map<string, number>();
    const id = truth[i] as string;
    inner.set(id, (inner.get(id) ?? 0) + 1);
    byPredicted.set(key, inner);
  }
  let correct = 0;
  for (const inner of byPredicted.values()) {
    if (inner.size !== 1) continue;
    const [[id, count]] = [...inner.entries()] as [[string, number]];
    if (truthSize.get(id) === count) correct += count;
  }
  return correct / truth.length;
}
