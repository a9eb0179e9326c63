import type { ComponentChildren } from 'preact'

/** Pretty JSON. Values at the `highlight` JSON pointers are marked with their change's kind. */
export function JsonView(props: { value: unknown; label: string; highlight?: ReadonlyMap<string, string> }) {
  return (
    <pre class="json" tabIndex={0} aria-label={props.label}>
      {render(props.value, '', 0, props.highlight ?? new Map())}
    </pre>
  )
}

const pad = (depth: number) => '  '.repeat(depth)
const escapePointer = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1')

function render(
  value: unknown,
  path: string,
  depth: number,
  highlight: ReadonlyMap<string, string>,
): ComponentChildren {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]'
    return (
      <>
        {'[\n'}
        {value.map((item, index) => (
          <Entry
            path={`${path}/${index}`}
            highlight={highlight}
            last={index === value.length - 1}
            depth={depth + 1}
          >
            {render(item, `${path}/${index}`, depth + 1, highlight)}
          </Entry>
        ))}
        {`${pad(depth)}]`}
      </>
    )
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    if (entries.length === 0) return '{}'
    return (
      <>
        {'{\n'}
        {entries.map(([key, item], index) => (
          <Entry
            path={`${path}/${escapePointer(key)}`}
            highlight={highlight}
            last={index === entries.length - 1}
            depth={depth + 1}
            name={key}
          >
            {render(item, `${path}/${escapePointer(key)}`, depth + 1, highlight)}
          </Entry>
        ))}
        {`${pad(depth)}}`}
      </>
    )
  }
  const text = value === undefined ? 'undefined' : JSON.stringify(value)
  return <span class={`json-${value === null ? 'null' : typeof value}`}>{text}</span>
}

function Entry(props: {
  path: string
  name?: string
  depth: number
  last: boolean
  highlight: ReadonlyMap<string, string>
  children: ComponentChildren
}) {
  const kind = props.highlight.get(props.path)
  const line = (
    <>
      {props.name !== undefined && <span class="json-key">{JSON.stringify(props.name)}</span>}
      {props.name !== undefined && ': '}
      {props.children}
    </>
  )
  return (
    <>
      {pad(props.depth)}
      {kind ? (
        <mark class={`change-${kind}`} title={`${kind} (${props.path})`}>
          {line}
        </mark>
      ) : (
        line
      )}
      {props.last ? '\n' : ',\n'}
    </>
  )
}
