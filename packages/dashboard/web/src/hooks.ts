import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import type { Api } from './api.js'
import { useApp } from './context.js'

export interface Loaded<T> {
  data: T | undefined
  error: string | undefined
  /** True until the first answer (or failure). */
  loading: boolean
  reload(): void
}

/**
 * Loads `load(api)` when `key` changes, and again every `intervalMs` when given (keeping the shown
 * data while the next answer is on its way, so a refresh neither flickers nor moves focus).
 */
export function useData<T>(load: (api: Api) => Promise<T>, key: string, intervalMs?: number): Loaded<T> {
  const { api } = useApp()
  const [state, setState] = useState<{ key: string; data?: T; error?: string; loading: boolean }>({
    key,
    loading: true,
  })
  const [tick, setTick] = useState(0)
  const loadRef = useRef(load)
  loadRef.current = load
  useEffect(() => {
    let live = true
    let timer: ReturnType<typeof setTimeout> | undefined
    const run = async () => {
      try {
        const data = await loadRef.current(api)
        if (live) setState({ key, data, loading: false })
      } catch (error) {
        if (live)
          setState((previous) => ({
            key,
            ...(previous.key === key && previous.data !== undefined ? { data: previous.data } : {}),
            error: error instanceof Error ? error.message : String(error),
            loading: false,
          }))
      }
      if (live && intervalMs) timer = setTimeout(() => void run(), intervalMs)
    }
    setState((previous) => (previous.key === key ? previous : { key, loading: true }))
    void run()
    return () => {
      live = false
      clearTimeout(timer)
    }
  }, [api, key, intervalMs, tick])
  const reload = useCallback(() => setTick((n) => n + 1), [])
  const current = state.key === key
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || state.loading,
    reload,
  }
}

/** A value that re-renders the component every `ms` (for "3 s ago" labels). */
export function useNow(ms: number): number {
  const [now, setNow] = useState(Date.now())
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms)
    return () => clearInterval(timer)
  }, [ms])
  return now
}
