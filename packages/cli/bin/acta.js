#!/usr/bin/env node
// The `acta` command. A built package runs dist/; a source checkout runs src/ through tsx, with
// the `@acta/source` condition so the other workspace packages resolve to their sources too.
import { existsSync } from 'node:fs'
import { register } from 'node:module'

const built = new URL('../dist/main.js', import.meta.url)
if (existsSync(built)) {
  await import(built.href)
} else {
  const { register: registerTsx } = await import('tsx/esm/api')
  registerTsx()
  // registered last, so it runs first and hands the extra condition on to tsx's resolver
  register('./source-condition.js', import.meta.url)
  await import(new URL('../src/main.ts', import.meta.url).href)
}
