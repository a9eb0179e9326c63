import { existsSync } from 'node:fs'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The app's sources (present in a source checkout only). */
export const dashboardSources = fileURLToPath(new URL('../web/', import.meta.url))
/** Where the built app goes, and what the admin service serves at `/_acta/`. */
export const dashboardDist = fileURLToPath(new URL('../web-dist/', import.meta.url))

export interface BuildDashboardOptions {
  /** Default `web-dist` beside `web`. */
  outDir?: string
  /** Vite's log level. Default `'warn'`. */
  logLevel?: 'info' | 'warn' | 'error' | 'silent'
}

/**
 * Builds the dashboard's single-page app with Vite (Preact, relative asset URLs so it works under
 * any prefix). Needs the sources and the dev dependencies (`vite`, `preact`), i.e. a source checkout.
 *
 * @example
 * await buildDashboard() // packages/dashboard/web -> packages/dashboard/web-dist
 */
export async function buildDashboard(options: BuildDashboardOptions = {}): Promise<{ outDir: string }> {
  const outDir = options.outDir ?? dashboardDist
  return locked(outDir, () => build(outDir, options.logLevel ?? 'warn'))
}

async function build(outDir: string, logLevel: NonNullable<BuildDashboardOptions['logLevel']>) {
  if (!existsSync(join(dashboardSources, 'index.html')))
    throw new Error(
      `The dashboard's sources are not here (${dashboardSources}): build it from a source checkout`,
    )
  const vite = await import('vite')
  // built beside, then swapped in: a server serving the old build never sees a half-written one
  const staging = `${outDir.replace(/[/\\]$/, '')}.staging-${process.pid}`
  await vite.build({
    configFile: false,
    root: dashboardSources,
    base: './',
    logLevel,
    oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
    build: { outDir: staging, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 200 },
  })
  const old = `${staging}.old`
  if (existsSync(outDir)) await rename(outDir, old)
  await rename(staging, outDir)
  await rm(old, { recursive: true, force: true })
  return { outDir }
}

/** `missing` / `stale` need a build; `no-sources` means an installed package (its build ships with it). */
export type DashboardBuildState = 'fresh' | 'missing' | 'stale' | 'no-sources'

/** Compares the built app with its sources (and this build script) by modification time. */
export async function dashboardBuildState(outDir = dashboardDist): Promise<DashboardBuildState> {
  if (!existsSync(join(dashboardSources, 'index.html'))) return 'no-sources'
  const built = await stat(join(outDir, 'index.html')).catch(() => undefined)
  if (!built) return 'missing'
  const newest = Math.max(
    await newestMtime(dashboardSources),
    (await stat(fileURLToPath(import.meta.url))).mtimeMs,
  )
  return newest > built.mtimeMs ? 'stale' : 'fresh'
}

/**
 * Builds the app when it is missing or older than its sources, once across processes (a lock
 * directory beside the output), telling `log` that it does. Returns whether a build is there to serve.
 */
export async function ensureDashboardBuilt(log: (message: string) => void): Promise<boolean> {
  const state = await dashboardBuildState()
  if (state === 'no-sources' || state === 'fresh') return existsSync(join(dashboardDist, 'index.html'))
  await locked(dashboardDist, async () => {
    // another process may have built it while this one waited
    if ((await dashboardBuildState()) === 'fresh') return
    log(`Building the dashboard app (${state}): ${dashboardSources} -> ${dashboardDist}`)
    await build(dashboardDist, 'warn')
  })
  return true
}

/** Runs `work` holding the lock directory beside `outDir`: one build at a time across processes. */
async function locked<T>(outDir: string, work: () => Promise<T>): Promise<T> {
  const lock = `${outDir.replace(/[/\\]$/, '')}.lock`
  await acquire(lock)
  try {
    return await work()
  } finally {
    await rm(lock, { recursive: true, force: true })
  }
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) newest = Math.max(newest, await newestMtime(path))
    else newest = Math.max(newest, (await stat(path)).mtimeMs)
  }
  return newest
}

const staleLockMs = 120_000

async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock)
      return
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const since = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      )
      // a process that died while building leaves its lock behind
      if (since > staleLockMs) await rm(lock, { recursive: true, force: true })
      else await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
}
