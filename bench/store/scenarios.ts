import { performance } from 'node:perf_hooks'
import type { Sizes } from './config.js'
import { runInterleaved } from './measure.js'
import type { Contender, Figure, ScenarioId, Work } from './measure.js'
import type { StoreTarget } from './target.js'

export type Progress = (line: string) => void

/** A target plus the number of events written to it, so catch-up knows how much to expect. */
export class Tracked {
  written = 0
  constructor(readonly target: StoreTarget) {}

  get name(): string {
    return this.target.name
  }

  async append(streamId: string, expectedVersion: number, count: number): Promise<void> {
    await this.target.append(streamId, expectedVersion, count)
    this.written += count
  }
}

export interface ScenarioContext {
  family: string
  sizes: Sizes
  progress: Progress
}

/** Runs (a)-(e) over the targets; (d) and (e) only over the targets that can read. */
export async function runScenarios(targets: readonly Tracked[], context: ScenarioContext): Promise<Figure[]> {
  const { sizes, progress } = context
  const figures: Figure[] = []
  const run = async (
    scenario: ScenarioId,
    ops: number,
    unit: string,
    contenders: Contender[],
  ): Promise<void> => {
    if (contenders.length === 0) return
    progress(
      `${context.family} (${scenario}): ${ops} ${unit} per contender × ${contenders.length} [${contenders.map((c) => c.name).join(', ')}]`,
    )
    const options = {
      family: context.family,
      scenario,
      ops,
      rounds: sizes.rounds,
      warmUp: sizes.warmUp,
      progress,
    }
    figures.push(...(await runInterleaved(contenders, options)))
  }

  await run(
    'a',
    sizes.sequentialAppends,
    '1-event appends',
    targets.map((t) => ({ name: t.name, work: sequential(t) })),
  )
  await run(
    'b',
    sizes.concurrentAppends,
    `1-event appends over ${sizes.writers} writers`,
    targets.map((t) => ({ name: t.name, work: concurrent(t, sizes.writers) })),
  )
  await run(
    'c',
    sizes.batches,
    `${sizes.batchSize}-event appends`,
    targets.map((t) => ({ name: t.name, work: batches(t, sizes.batchSize) })),
  )

  const readers = targets.filter((t) => t.target.readAndFold)
  for (const t of readers) {
    progress(
      `${context.family} (d): seeding ${sizes.readStreams} streams of ${sizes.batchSize} events into ${t.name}`,
    )
    for (let s = 0; s < sizes.readStreams; s++) await t.append(`read-${s}`, 0, sizes.batchSize)
  }
  await run(
    'd',
    sizes.streamReads,
    `reads of ${sizes.batchSize}-event streams`,
    readers.map((t) => ({ name: t.name, work: readAndFold(t, sizes) })),
  )

  const catchers = targets.filter((t) => t.target.catchUp)
  for (const t of catchers) {
    const missing = sizes.catchUpEvents - t.written
    progress(
      missing > 0
        ? `${context.family} (e): topping ${t.name} up from ${t.written} to ≥ ${sizes.catchUpEvents} events`
        : `${context.family} (e): ${t.name} already holds ${t.written} events`,
    )
    const chunk = 500
    for (let s = 0; s * chunk < missing; s++) await t.append(`log-${s}`, 0, chunk)
  }
  await run(
    'e',
    sizes.catchUpRuns,
    `catch-ups from position 0 (≥ ${sizes.catchUpEvents} events, pages of ${sizes.pageSize})`,
    catchers.map((t) => ({ name: t.name, work: catchUp(t, sizes.pageSize) })),
  )
  return figures
}

/** (a) one stream, one event per append, the exact version each time. */
function sequential(t: Tracked): Work {
  let version = 0
  return async (ops, recorder) => {
    for (let i = 0; i < ops; i++) {
      await recorder.time(1, () => t.append('sequential', version, 1))
      version++
    }
  }
}

/** (b) `writers` loops at once, each on its own stream, one event per append, exact versions. */
function concurrent(t: Tracked, writers: number): Work {
  const versions = new Array<number>(writers).fill(0)
  return async (ops, recorder) => {
    await Promise.all(
      versions.map(async (_, w) => {
        const share = Math.floor(ops / writers) + (w < ops % writers ? 1 : 0)
        for (let i = 0; i < share; i++) {
          await recorder.time(1, () => t.append(`writer-${w}`, versions[w]!, 1))
          versions[w]!++
        }
      }),
    )
  }
}

/** (c) one stream, `size` events per append, exact versions. */
function batches(t: Tracked, size: number): Work {
  let version = 0
  return async (ops, recorder) => {
    for (let i = 0; i < ops; i++) {
      await recorder.time(size, () => t.append('batches', version, size))
      version += size
    }
  }
}

/** (d) whole-stream reads rotating over the seeded streams, each folded to a balance. */
function readAndFold(t: Tracked, sizes: Sizes): Work {
  const read = t.target.readAndFold!
  let next = 0
  let checked = false
  return async (ops, recorder) => {
    if (!checked) {
      // a baseline that read less would look fast: check the fold once, outside the timing
      const expected = expectedBalance(sizes.batchSize)
      const balance = await read('read-0')
      if (balance !== expected) throw new Error(`${t.name} folded read-0 to ${balance}, expected ${expected}`)
      checked = true
    }
    for (let i = 0; i < ops; i++) {
      const streamId = `read-${next++ % sizes.readStreams}`
      await recorder.time(sizes.batchSize, () => read(streamId))
    }
  }
}

/** (e) full catch-ups from position 0; latency is per delivered page. */
function catchUp(t: Tracked, pageSize: number): Work {
  const read = t.target.catchUp!
  return async (ops, recorder) => {
    for (let i = 0; i < ops; i++) {
      let last = performance.now()
      let pages = 0
      const total = await read(pageSize, () => {
        const now = performance.now()
        recorder.add(now - last, pageSize)
        last = now
        pages++
      })
      const rest = total - pages * pageSize
      if (rest > 0) recorder.add(performance.now() - last, rest)
      if (total !== t.written)
        throw new Error(`${t.name} caught up on ${total} events, expected ${t.written}`)
    }
  }
}

function expectedBalance(events: number): number {
  let balance = 0
  for (let v = 0; v < events; v++) balance += (v % 7) + 1
  return balance
}
