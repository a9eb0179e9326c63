/** Clean-ups still owed (temporary schemas, files), run on Ctrl-C so an interrupted run leaves nothing behind. */
const pending = new Set<() => Promise<void>>()

/** Registers `cleanup` until the returned function runs it (once). */
export function owe(cleanup: () => Promise<void>): () => Promise<void> {
  pending.add(cleanup)
  return async () => {
    if (!pending.delete(cleanup)) return
    await cleanup()
  }
}

export async function runPendingCleanups(): Promise<void> {
  const all = [...pending]
  pending.clear()
  for (const cleanup of all)
    await cleanup().catch((error: unknown) => console.error('clean-up failed:', error))
}
