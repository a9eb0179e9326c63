import { watch, type FSWatcher } from 'node:fs'

/** Changes under these folders or in dotfiles do not restart a unit. */
export function ignoredChange(filename: string): boolean {
  return filename
    .split(/[\\/]/)
    .some((part) => part === 'node_modules' || part === 'dist' || part.startsWith('.'))
}

/**
 * Calls `onChange` once changes under `dir` have settled for `debounceMs` (an editor's save is often
 * several events). Returns a function that stops watching.
 */
export function watchUnit(dir: string, onChange: (files: string[]) => void, debounceMs = 300): () => void {
  let timer: NodeJS.Timeout | undefined
  const changed = new Set<string>()
  let watcher: FSWatcher | undefined
  try {
    watcher = watch(dir, { recursive: true }, (_event, filename) => {
      const name = filename?.toString() ?? ''
      if (name && ignoredChange(name)) return
      changed.add(name)
      clearTimeout(timer)
      timer = setTimeout(() => {
        const files = [...changed].filter(Boolean)
        changed.clear()
        onChange(files)
      }, debounceMs)
    })
    watcher.on('error', () => watcher?.close())
  } catch {
    // the folder is gone or cannot be watched: the unit just is not restarted on changes
  }
  return () => {
    clearTimeout(timer)
    watcher?.close()
  }
}
