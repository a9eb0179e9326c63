import { useData } from '../hooks.js'
import type { OverviewSample, ServicesStatus, UpstreamStatus } from '../types.js'
import { Feedback } from '../ui/feedback.js'
import { formatCount, formatTime } from '../ui/format.js'
import { LineChart, type Series } from '../ui/line-chart.js'

/** Services and replicas with their health; events/s and projection lag over the last minutes. */
export function OverviewView() {
  const services = useData((api) => api.get<ServicesStatus>('services'), 'services', 2000)
  const overview = useData((api) => api.get<{ samples: OverviewSample[] }>('overview'), 'overview', 2000)
  const samples = overview.data?.samples ?? []
  const latest = samples.at(-1)
  const rate: Series[] = [
    { name: 'events/s', points: samples.map((s) => ({ at: Date.parse(s.at), value: s.eventsPerSecond })) },
  ]
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.lag)))].sort()
  const lags: Series[] = names.map((name) => ({
    name,
    points: samples
      .filter((s) => s.lag[name] !== undefined)
      .map((s) => ({ at: Date.parse(s.at), value: s.lag[name] ?? 0 })),
  }))
  return (
    <>
      <h1 tabIndex={-1}>Overview</h1>
      <section aria-labelledby="services-heading">
        <h2 id="services-heading">Services</h2>
        <Feedback loading={services.loading} error={services.error} what="services" />
        {services.data && <ServicesTable status={services.data} />}
      </section>
      <section aria-labelledby="log-heading">
        <h2 id="log-heading">Event log</h2>
        <Feedback loading={overview.loading} error={overview.error} what="samples" />
        {latest && (
          <p>
            Head position <strong data-testid="head-position">{formatCount(latest.headPosition)}</strong>,
            sampled {formatTime(latest.at)}.
          </p>
        )}
        <div class="charts">
          <LineChart id="rate-chart" title="Events appended per second" unit="events/s" series={rate} />
          <LineChart
            id="lag-chart"
            title="Projection lag (events behind the head)"
            unit="events"
            series={lags}
            format={(value) => formatCount(Math.round(value))}
          />
        </div>
      </section>
    </>
  )
}

function ServicesTable(props: { status: ServicesStatus }) {
  const entries = Object.entries(props.status.services)
  if (entries.length === 0)
    return <p class="muted">No gateway reports services here (the admin service runs without one).</p>
  return (
    <table class="services">
      <caption class="sr-only">Replicas of each service as the gateway sees them</caption>
      <thead>
        <tr>
          <th scope="col">Service</th>
          <th scope="col">Replica</th>
          <th scope="col">Health</th>
          <th scope="col">In flight</th>
          <th scope="col">Requests</th>
          <th scope="col">Failures</th>
          <th scope="col">Last error</th>
        </tr>
      </thead>
      <tbody>
        {entries.flatMap(([name, service]) =>
          service.upstreams.map((upstream, index) => (
            <Replica key={`${name}-${upstream.url}`} name={name} first={index === 0} upstream={upstream} />
          )),
        )}
      </tbody>
    </table>
  )
}

function Replica(props: { name: string; first: boolean; upstream: UpstreamStatus }) {
  const { upstream } = props
  return (
    <tr data-service={props.name} data-healthy={String(upstream.healthy)}>
      <th scope="row">{props.first ? props.name : <span class="sr-only">{props.name}</span>}</th>
      <td>
        <code>{upstream.url}</code>
      </td>
      <td>
        <span class={upstream.healthy ? 'health ok' : 'health down'}>
          <span class="dot" aria-hidden="true" />
          {upstream.healthy ? 'healthy' : 'down'}
        </span>
      </td>
      <td class="num">{upstream.inFlight ?? '—'}</td>
      <td class="num">{upstream.requests ?? '—'}</td>
      <td class="num">{upstream.failures ?? '—'}</td>
      <td>
        {upstream.lastError ? `${upstream.lastError.message} (${formatTime(upstream.lastError.at)})` : '—'}
      </td>
    </tr>
  )
}
