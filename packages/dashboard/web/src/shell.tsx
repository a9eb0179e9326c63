import { useEffect, useRef } from 'preact/hooks'
import { href, useRoute, type Route } from './router.js'
import { DeadLettersView } from './views/dead-letters.js'
import { FlowView } from './views/flow.js'
import { LiveView } from './views/live.js'
import { OverviewView } from './views/overview.js'
import { ProjectionsView } from './views/projections.js'
import { StreamSearch, StreamView } from './views/streams.js'
import { TimeTravelView } from './views/time-travel.js'

const views = [
  { path: 'overview', label: 'Overview' },
  { path: 'streams', label: 'Streams' },
  { path: 'live', label: 'Live' },
  { path: 'projections', label: 'Projections' },
  { path: 'dead-letters', label: 'Dead letters' },
  { path: 'flow', label: 'Flow' },
  { path: 'time-travel', label: 'Time travel' },
] as const

/** Header, main navigation and the view the hash names (`#/streams/todo-1`). */
export function Shell(props: { onSignOut: () => void }) {
  const route = useRoute()
  const section = route.path[0] ?? 'overview'
  const key = `${route.path.join('/')}?${route.query.toString()}`
  const first = useRef(true)
  useEffect(() => {
    // after navigation, focus the new view's heading so keyboard and screen-reader users land there
    if (first.current) {
      first.current = false
      return
    }
    document.querySelector<HTMLElement>('main h1')?.focus()
  }, [route.path.join('/')])
  return (
    <>
      <a class="skip" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="top">
        <p class="brand">Acta</p>
        <nav aria-label="Main">
          <ul>
            {views.map((view) => (
              <li key={view.path}>
                <a href={href([view.path])} aria-current={section === view.path ? 'page' : undefined}>
                  {view.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" class="quiet" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1} data-view={section}>
        <View route={route} section={section} key={key} />
      </main>
    </>
  )
}

function View(props: { route: Route; section: string }) {
  const [, second, third] = props.route.path
  switch (props.section) {
    case 'overview':
      return <OverviewView />
    case 'streams':
      return second ? (
        <StreamView id={second} tab={third} query={props.route.query} />
      ) : (
        <StreamSearch query={props.route.query} />
      )
    case 'live':
      return <LiveView />
    case 'projections':
      return <ProjectionsView />
    case 'dead-letters':
      return <DeadLettersView />
    case 'flow':
      return <FlowView correlationId={second} />
    case 'time-travel':
      return <TimeTravelView streamId={second} />
    default:
      return (
        <>
          <h1 tabIndex={-1}>Not found</h1>
          <p>
            No view is called “{props.section}”. <a href={href(['overview'])}>Go to the overview</a>.
          </p>
        </>
      )
  }
}

function skipToMain(event: MouseEvent) {
  // the hash is the router's: move focus without changing it
  event.preventDefault()
  document.getElementById('main')?.focus()
}
