/** Time units and grid helpers of the simulation (all times are epoch milliseconds, UTC). */
export const SECOND = 1_000
export const MINUTE = 60_000
export const HOUR = 3_600_000
export const DAY = 86_400_000

/** History is stored in 5-minute buckets; every API interval is a whole number of them. */
export const BUCKET_MS = 5 * MINUTE

export const floorTo = (t: number, unit: number): number => Math.floor(t / unit) * unit
