import { useEffect } from 'preact/hooks'
import { ApiError, seg, type Api } from '../api.js'
import { useData } from '../hooks.js'
import { href } from '../router.js'
import type { EventJson, LogPage, StreamPage } from '../types.js'
import { EventList } from '../ui/event-list.js'
import { Feedback } from '../ui/feedback.js'
import { formatCount, formatTime } from '../ui/format.js'
import { TimeTravelSteps } from './time-travel.js'

const pageSize = 50
/** Log pages a category search reads at most (each scans up to 20 000 events). */
const categoryPages = 5

interface StreamSummary {
  streamId: string
  events: number
  lastType: string
  lastAt: string
}

/** Search by stream id or category; without a search, the streams written last. */
export function StreamSearch(props: { query: URLSearchParams }) {
  const q = props.query.get('q')?.trim() ?? ''
  const found = useData((api) => (q ? search(api, q) : recent(api)), `search:${q}`)
  useEffect(() => {
    if (found.data?.exact) location.replace(href(['streams', q]))
  }, [found.data?.exact, q])
  return (
    <>
      <h1 tabIndex={-1}>Streams</h1>
      <form
        role="search"
        class="inline"
        onSubmit={(event) => {
          event.preventDefault()
          const input = event.currentTarget.elements.namedItem('q') as HTMLInputElement
          location.hash = href(['streams'], { q: input.value.trim() || undefined })
        }}
      >
        <label for="stream-q">Stream id or category</label>
        <input id="stream-q" name="q" defaultValue={q} placeholder="todo-1 or todo" autocomplete="off" />
        <button type="submit">Search</button>
      </form>
      <Feedback loading={found.loading} error={found.error} what="streams" />
      {found.data && !found.data.exact && (
        <section aria-labelledby="found-heading" aria-live="polite">
          <h2 id="found-heading">{found.data.heading}</h2>
          {found.data.streams.length === 0 ? (
            <p class="muted">No stream {q ? `is called “${q}” or belongs to category “${q}”` : 'yet'}.</p>
          ) : (
            <StreamTable streams={found.data.streams} />
          )}
          {found.data.partial && (
            <p class="muted">
              Only the first part of the log was read: later streams of the category may exist.
            </p>
          )}
        </section>
      )}
    </>
  )
}

async function search(api: Api, q: string) {
  try {
    await api.get<StreamPage>(`streams/${seg(q)}?limit=1`)
    return { exact: true, heading: '', streams: [], partial: false }
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error
  }
  const events: EventJson[] = []
  let after: number | null = 0
  for (let page = 0; page < categoryPages && after !== null; page++) {
    const answer: LogPage = await api.get<LogPage>(`log?category=${seg(q)}&limit=500&after=${after}`)
    events.push(...answer.events)
    after = answer.next
  }
  return {
    exact: false,
    heading: `Streams of category “${q}”`,
    streams: summarize(events),
    // the log goes on past what was read: more streams of the category may exist
    partial: after !== null,
  }
}

async function recent(api: Api) {
  const tail = await api.get<LogPage>('log/tail?limit=500')
  return {
    exact: false,
    heading: 'Streams written last',
    streams: summarize(tail.events).slice(0, 50),
    partial: false,
  }
}

/** Streams of some events, the one written last first. */
function summarize(events: readonly EventJson[]): StreamSummary[] {
  const streams = new Map<string, StreamSummary>()
  for (const event of events) {
    const current = streams.get(event.streamId)
    streams.delete(event.streamId)
    streams.set(event.streamId, {
      streamId: event.streamId,
      events: (current?.events ?? 0) + 1,
      lastType: event.type,
      lastAt: event.recordedAt,
    })
  }
  return [...streams.values()].reverse()
}

function StreamTable(props: { streams: StreamSummary[] }) {
  return (
    <table class="streams">
      <thead>
        <tr>
          <th scope="col">Stream</th>
          <th scope="col">Events seen</th>
          <th scope="col">Last event</th>
          <th scope="col">At</th>
        </tr>
      </thead>
      <tbody>
        {props.streams.map((stream) => (
          <tr key={stream.streamId} data-stream={stream.streamId}>
            <th scope="row">
              <a href={href(['streams', stream.streamId])}>{stream.streamId}</a>
            </th>
            <td class="num">{formatCount(stream.events)}</td>
            <td>{stream.lastType}</td>
            <td>{formatTime(stream.lastAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** One stream: its events page by page, and a time-travel tab when a decider is registered for it. */
export function StreamView(props: { id: string; tab: string | undefined; query: URLSearchParams }) {
  const from = Math.max(1, Number(props.query.get('from')) || 1)
  const page = useData(
    (api) => api.get<StreamPage>(`streams/${seg(props.id)}?from=${from}&limit=${pageSize}`),
    `${props.id}@${from}`,
  )
  const travel = useData(async (api) => {
    try {
      await api.get(`streams/${seg(props.id)}/states`)
      return true
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return false
      throw error
    }
  }, `states:${props.id}`)
  const onStates = props.tab === 'states'
  return (
    <>
      <h1 tabIndex={-1}>
        Stream <code>{props.id}</code>
      </h1>
      <p>
        <a href={href(['streams'])}>All streams</a>
        {page.data && (
          <>
            {' · '}version <strong data-testid="stream-version">{page.data.version}</strong>
          </>
        )}
      </p>
      {travel.data && (
        <nav aria-label="Stream views" class="tabs">
          <a href={href(['streams', props.id])} aria-current={onStates ? undefined : 'page'}>
            Events
          </a>
          <a href={href(['streams', props.id, 'states'])} aria-current={onStates ? 'page' : undefined}>
            Time travel
          </a>
        </nav>
      )}
      {onStates ? (
        <TimeTravelSteps streamId={props.id} />
      ) : (
        <>
          <Feedback loading={page.loading} error={page.error} what="events" />
          {page.data && (
            <EventList events={page.data.events} showStream={false} label={`Events of ${props.id}`} />
          )}
          {page.data && (from > 1 || page.data.next !== null) && (
            <nav aria-label="Pages" class="pager">
              {from > 1 && (
                <a href={href(['streams', props.id], { from: Math.max(1, from - pageSize) })}>
                  Previous events
                </a>
              )}
              {page.data.next !== null && (
                <a href={href(['streams', props.id], { from: page.data.next })}>Next events</a>
              )}
            </nav>
          )}
        </>
      )}
    </>
  )
}
