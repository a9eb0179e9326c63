/**
 * A counter that readers wait on for "something was appended". Waking is only a hint: readers
 * always re-read the log, so a lost or duplicated wake-up costs latency, never correctness.
 *
 * @example
 * const seq = signal.current
 * const events = await fetch()
 * if (events.length === 0) await signal.wait(seq, 1000, abortSignal)
 */
export class ChangeSignal {
  #seq = 0
  #waiters = new Set<() => void>()

  /** Sequence number to pass to {@link wait}; read it before reading the log. */
  get current(): number {
    return this.#seq
  }

  notify(): void {
    this.#seq++
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const wake of waiters) wake()
  }

  /** Resolves when notified after `since`, after `timeoutMs`, or when `signal` aborts. */
  wait(since: number, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.#seq !== since || signal?.aborted) return Promise.resolve()
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.#waiters.delete(done)
        signal?.removeEventListener('abort', done)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      this.#waiters.add(done)
      signal?.addEventListener('abort', done, { once: true })
    })
  }
}
