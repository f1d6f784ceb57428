/**
 * A least-recently-used cache bounded by the total weight of its values (e.g. a number of events), so the
 * memory it holds stays bounded whatever the size of the dataset.
 */
export class WeightedCache<K, V> {
  private readonly entries = new Map<K, { value: V; weight: number }>();
  private total = 0;

  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (value: V) => number,
  ) {}

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Returns the cached value, or computes, stores and returns it. */
  getOrCompute(key: K, compute: () => V): V {
    const cached = this.get(key);
    if (cached !== undefined) return cached;
    const value = compute();
    const weight = Math.max(1, this.weigh(value));
    this.entries.set(key, { value, weight });
    this.total += weight;
    for (const [oldKey, entry] of this.entries) {
      if (this.total <= this.maxWeight || oldKey === key) break;
      this.entries.delete(oldKey);
      this.total -= entry.weight;
    }
    return value;
  }

  get weight(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }
}
