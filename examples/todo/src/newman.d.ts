// The part of newman's API the Postman e2e test uses (newman ships no types; @types/newman would
// pull in the whole postman-collection type tree for one call).
declare module 'newman' {
  import type { EventEmitter } from 'node:events'

  export interface NewmanRunFailure {
    readonly error: { readonly name: string; readonly message: string; readonly test?: string }
    readonly source?: { readonly name?: string }
  }

  export interface NewmanRunSummary {
    readonly run: {
      readonly failures: readonly NewmanRunFailure[]
      readonly stats: Readonly<
        Record<'requests' | 'assertions', { readonly total: number; readonly failed: number }>
      >
    }
  }

  export interface NewmanRunOptions {
    /** A collection as JSON, or a file path. */
    readonly collection: unknown
    readonly envVar?: readonly { readonly key: string; readonly value: string }[]
    readonly reporters?: string | readonly string[]
    readonly timeoutRequest?: number
  }

  const newman: {
    run(
      options: NewmanRunOptions,
      callback: (error: Error | null, summary: NewmanRunSummary) => void,
    ): EventEmitter
  }
  export default newman
}
