import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Api } from './api.js'

export interface AppContext {
  api: Api
  /** Says `message` in the page's polite live region (screen readers read it once). */
  announce: (message: string) => void
}

export const App = createContext<AppContext | undefined>(undefined)

export function useApp(): AppContext {
  const context = useContext(App)
  if (!context) throw new Error('useApp outside the app')
  return context
}
