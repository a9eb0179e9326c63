import { describe, expect, it } from 'vitest'
import { renderLogLine } from './log-line.js'
import { lineReader } from './log-sink.js'
import { crashBackoffMs } from './unit-runner.js'
import { ignoredChange } from './unit-watcher.js'

const at = new Date(2026, 0, 2, 3, 4, 5, 60).getTime()
const pino = (record: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: at, pid: 1, hostname: 'h', name: 'todo', ...record })

describe('log line rendering', () => {
  it('renders a pino line as time, level, message and its own fields', () => {
    // When
    const line = renderLogLine(pino({ msg: 'listening', url: 'http://127.0.0.1:3000' }), { colors: false })
    // Then
    expect(line).toBe('03:04:05.060 INFO  listening url=http://127.0.0.1:3000')
  })

  it('shows at most four fields, each shortened', () => {
    // When
    const line = renderLogLine(pino({ msg: 'm', a: 1, b: { deep: true }, c: 'x'.repeat(200), d: 4, e: 5 }), {
      colors: false,
    })
    // Then
    expect(line).toContain('a=1 b={"deep":true} c=xxx')
    expect(line).toContain('… d=4')
    expect(line).not.toContain('e=5')
  })

  it("adds an error's message, and its stack at error level", () => {
    // Given
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at here' }
    // When
    const warn = renderLogLine(pino({ level: 40, msg: 'retrying', err }), { colors: false })
    const error = renderLogLine(pino({ level: 50, msg: 'failed', err }), { colors: false })
    // Then
    expect(warn).toBe('03:04:05.060 WARN  retrying boom')
    expect(error).toBe('03:04:05.060 ERROR failed boom\nError: boom\n    at here')
  })

  it('colors the level when asked to', () => {
    expect(renderLogLine(pino({ level: 50, msg: 'x' }), { colors: true })).toContain('\u001b[31mERROR')
  })

  it('leaves other lines as they are', () => {
    expect(renderLogLine('plain text', { colors: false })).toBe('plain text')
    expect(renderLogLine('{not json', { colors: false })).toBe('{not json')
    expect(renderLogLine('{"other":"json"}', { colors: false })).toBe('{"other":"json"}')
  })
})

describe('line reader', () => {
  it('splits chunks into lines and flushes the last partial one at the end', () => {
    // Given
    const lines: string[] = []
    const reader = lineReader((line) => lines.push(line))
    // When
    reader.push(Buffer.from('one\ntw'))
    reader.push(Buffer.from('o\r\nthree'))
    reader.end()
    // Then
    expect(lines).toEqual(['one', 'two', 'three'])
  })
})

describe('supervisor policies', () => {
  it('waits longer after each crash, up to 30 s', () => {
    expect([1, 2, 3, 4, 10].map(crashBackoffMs)).toEqual([500, 1000, 2000, 4000, 30_000])
  })

  it('ignores changes in node_modules, dist and dotfiles', () => {
    expect(ignoredChange('node_modules/zod/index.js')).toBe(true)
    expect(ignoredChange('src/.service.ts.swp')).toBe(true)
    expect(ignoredChange('dist/main.js')).toBe(true)
    expect(ignoredChange('src/service.ts')).toBe(false)
  })
})
