import { formatRate } from './format.js'

export interface Series {
  name: string
  points: { at: number; value: number }[]
}

const palette = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#dc2626']
const width = 640
const height = 180
const margin = { top: 12, right: 12, bottom: 24, left: 48 }

/**
 * Lines over time as inline SVG, with a legend of the latest values. The SVG is one image with a
 * text summary for screen readers; the legend lists every series as text.
 */
export function LineChart(props: {
  title: string
  unit: string
  series: Series[]
  id: string
  /** How values are written (axis, legend, summary). Default one decimal below 10. */
  format?: (value: number) => string
}) {
  const format = props.format ?? formatRate
  const all = props.series.flatMap((series) => series.points)
  const first = Math.min(...all.map((p) => p.at))
  const last = Math.max(...all.map((p) => p.at))
  const top = niceMax(Math.max(1, ...all.map((p) => p.value)))
  const span = Math.max(1, last - first)
  const x = (at: number) => margin.left + ((at - first) / span) * (width - margin.left - margin.right)
  const y = (value: number) => height - margin.bottom - (value / top) * (height - margin.top - margin.bottom)
  const latest = (series: Series) => series.points.at(-1)?.value ?? 0
  // a tick whose label repeats the one below it (an integer axis up to 1: 0, 1, 1) is left out
  const ticks = [0, 0.5, 1].filter(
    (fraction, i, all) => i === 0 || format(top * fraction) !== format(top * (all[i - 1] ?? 0)),
  )
  const summary =
    all.length === 0
      ? 'No samples yet'
      : props.series
          .map((series) => {
            const max = Math.max(...series.points.map((p) => p.value))
            return `${series.name}: now ${format(latest(series))}, at most ${format(max)} ${props.unit}`
          })
          .join('; ')
  return (
    <figure class="chart" id={props.id}>
      <figcaption>{props.title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${props.id}-title ${props.id}-desc`}
        preserveAspectRatio="none"
      >
        <title id={`${props.id}-title`}>{props.title}</title>
        <desc id={`${props.id}-desc`}>{summary}</desc>
        {ticks.map((fraction) => (
          <g key={fraction} class="grid">
            <line x1={margin.left} x2={width - margin.right} y1={y(top * fraction)} y2={y(top * fraction)} />
            <text x={margin.left - 6} y={y(top * fraction) + 4} text-anchor="end">
              {format(top * fraction)}
            </text>
          </g>
        ))}
        {all.length > 0 && (
          <g class="axis">
            <text x={margin.left} y={height - 6}>
              {ago(first, last)}
            </text>
            <text x={width - margin.right} y={height - 6} text-anchor="end">
              now
            </text>
          </g>
        )}
        {props.series.map((series, index) => (
          <polyline
            key={series.name}
            fill="none"
            stroke={palette[index % palette.length]}
            stroke-width="2"
            vector-effect="non-scaling-stroke"
            points={series.points.map((p) => `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <ul class="legend">
        {props.series.map((series, index) => (
          <li key={series.name}>
            <span class="swatch" style={{ background: palette[index % palette.length] }} aria-hidden="true" />
            {series.name}: <strong>{format(latest(series))}</strong> {props.unit}
          </li>
        ))}
        {props.series.length === 0 && <li class="muted">Nothing to plot yet</li>}
      </ul>
    </figure>
  )
}

function niceMax(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value))
  for (const step of [1, 2, 5, 10]) if (value <= step * magnitude) return step * magnitude
  return 10 * magnitude
}

function ago(first: number, last: number): string {
  const seconds = Math.round((last - first) / 1000)
  return seconds >= 120 ? `${Math.round(seconds / 60)} min ago` : `${seconds} s ago`
}
