import { useEffect, useRef, useState } from 'preact/hooks'
import { seg } from '../api.js'
import { useApp } from '../context.js'
import type { EventJson, LogPage } from '../types.js'
import { EventList } from '../ui/event-list.js'

/** Events the list keeps; older ones fall off the bottom. */
const cap = 200

interface Filter {
  categories: string[]
  types: string[]
}

const words = (text: string) =>
  text
    .split(/[\s,]+/)
    .map((word) => word.trim())
    .filter((word) => word !== '')

/** The global log as it happens, newest on top, over the admin API's websocket. */
export function LiveView() {
  const { api, announce } = useApp()
  const [filter, setFilter] = useState<Filter>({ categories: [], types: [] })
  const [events, setEvents] = useState<EventJson[]>([])
  const [paused, setPaused] = useState(false)
  const [waiting, setWaiting] = useState<EventJson[]>([])
  const [state, setState] = useState<'connecting' | 'live' | 'reconnecting'>('connecting')
  const pausedRef = useRef(paused)
  pausedRef.current = paused

  useEffect(() => {
    let socket: WebSocket | undefined
    let retry: ReturnType<typeof setTimeout> | undefined
    let closed = false
    const add = (incoming: EventJson[]) => {
      if (pausedRef.current) setWaiting((current) => merge(current, incoming))
      else setEvents((current) => merge(current, incoming))
    }
    const connect = () => {
      setState('connecting')
      socket = new WebSocket(api.liveUrl)
      socket.onopen = () => socket?.send(JSON.stringify({ token: api.token, ...filter }))
      socket.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as { type: string; event?: EventJson }
        if (frame.type === 'ready') {
          setState('live')
          // the tail fills in what happened before the feed started; positions dedupe the overlap
          void api.get<LogPage>(`log/tail?limit=50${query(filter)}`).then(
            (page) => add(page.events),
            () => undefined,
          )
        } else if (frame.type === 'event' && frame.event) add([frame.event])
      }
      socket.onclose = (close) => {
        if (closed) return
        if (close.code === 4401) {
          // the API then answers 401 too, which takes the app back to the token form
          void api.get('projections').catch(() => undefined)
          return
        }
        setState('reconnecting')
        retry = setTimeout(connect, 2000)
      }
    }
    setEvents([])
    setWaiting([])
    connect()
    return () => {
      closed = true
      clearTimeout(retry)
      socket?.close()
    }
  }, [api, filter])

  const togglePause = () => {
    if (paused) {
      setEvents((current) => merge(current, waiting))
      announce(`Resumed: ${waiting.length} new event${waiting.length === 1 ? '' : 's'} shown`)
      setWaiting([])
    } else announce('Paused: new events wait until you resume')
    setPaused(!paused)
  }

  return (
    <>
      <h1 tabIndex={-1}>Live</h1>
      <form
        class="inline"
        aria-label="Filter the live events"
        onSubmit={(event) => {
          event.preventDefault()
          const form = event.currentTarget
          const value = (name: string) => (form.elements.namedItem(name) as HTMLInputElement).value
          setFilter({ categories: words(value('categories')), types: words(value('types')) })
          announce('Filter applied')
        }}
      >
        <label for="live-categories">Categories</label>
        <input id="live-categories" name="categories" placeholder="todo, user" autocomplete="off" />
        <label for="live-types">Event types</label>
        <input id="live-types" name="types" placeholder="TodoWasPosted" autocomplete="off" />
        <button type="submit">Apply filter</button>
        <button type="button" aria-pressed={paused} onClick={togglePause}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </form>
      {/* only state changes are announced; the counts change with every event */}
      <p class="live-line">
        <span role="status" class="live-state" data-state={paused ? 'paused' : state}>
          {paused
            ? 'Paused'
            : state === 'live'
              ? 'Live'
              : state === 'connecting'
                ? 'Connecting…'
                : 'Connection lost — reconnecting…'}
        </span>{' '}
        <span class="live-count muted">
          {paused
            ? `— ${waiting.length} new event${waiting.length === 1 ? '' : 's'} waiting`
            : `— showing the newest ${Math.min(events.length, cap)} events (at most ${cap})`}
        </span>
      </p>
      <EventList events={events} showStream={true} label="Live events, newest first" />
    </>
  )
}

/** Newest first, each position once, at most `cap`. */
function merge(current: readonly EventJson[], incoming: readonly EventJson[]): EventJson[] {
  const byPosition = new Map(current.map((event) => [event.position, event]))
  for (const event of incoming) byPosition.set(event.position, event)
  return [...byPosition.values()].sort((a, b) => b.position - a.position).slice(0, cap)
}

function query(filter: Filter): string {
  return [
    ...filter.categories.map((category) => `&category=${seg(category)}`),
    ...filter.types.map((type) => `&type=${seg(type)}`),
  ].join('')
}
