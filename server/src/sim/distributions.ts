/** Small closed forms the engine uses to place many events at once. */

/** P(U(0, B) + U(a, b) ≤ x): the offset of a follower from its cause's bucket start. */
export function uniformSumCdf(x: number, B: number, a: number, b: number): number {
  if (b - a < 1e-9) return Math.min(1, Math.max(0, (x - a) / B))
  // Integrate P(U(a,b) ≤ x − u) over u ∈ [0, B].
  const F = (y: number) => {
    // ∫_0^y P(U(a,b) ≤ s) ds
    if (y <= a) return 0
    if (y <= b) return (y - a) ** 2 / (2 * (b - a))
    return (b - a) / 2 + (y - b)
  }
  return Math.min(1, Math.max(0, (F(x) - F(x - B)) / B))
}
