import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CliError } from '../output.js'
import { loadProject } from '../project.js'
import { toolVersions } from './acta-dependencies.js'
import { addUnit } from './add-unit.js'
import { createProject } from './create-project.js'
import { renderTemplate } from './templates.js'

const scratch = mkdtempSync(join(tmpdir(), 'acta-scaffold-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))
let count = 0
const newProject = () => createProject({ dir: join(scratch, `app-${++count}`), port: 9000 })
const read = (root: string, file: string) => readFile(join(root, file), 'utf8')
const json = async (root: string, file: string) =>
  JSON.parse(await read(root, file)) as Record<string, unknown>

describe('acta new', () => {
  it('writes a project with npm workspaces, its tools and a hello service', async () => {
    // When
    const { root, files } = await newProject()
    // Then
    expect(files).toEqual(
      expect.arrayContaining([
        '.gitignore',
        'README.md',
        'acta.json',
        'package.json',
        'tsconfig.json',
        'vitest.config.ts',
        'gateway/nginx.conf',
        'services/hello/package.json',
        'services/hello/src/main.ts',
        'services/hello/src/service.ts',
        'services/hello/src/service.test.ts',
        'services/hello/src/hello-decider.ts',
        'services/hello/src/hello-decider.test.ts',
      ]),
    )
    for (const file of files) expect(existsSync(join(root, file)), file).toBe(true)
    const manifest = await json(root, 'package.json')
    expect(manifest.workspaces).toEqual(['services/*'])
    expect(manifest.scripts).toMatchObject({ test: 'vitest run', dev: 'acta dev', start: 'acta start' })
    expect(await read(root, '.gitignore')).toContain('.acta/')
    const { project } = await loadProject(root)
    expect(project.gateway.port).toBe(9000)
    expect(project.services.hello).toMatchObject({ port: 9001, dir: 'services/hello' })
  })

  it('links the @acta packages of this checkout, or writes the given range', async () => {
    // Given
    const { root } = await newProject()
    const published = await createProject({ dir: join(scratch, 'published'), actaVersion: '^1.2.0' })
    // Then
    const linked = (await json(root, 'services/hello/package.json')).dependencies as Record<string, string>
    expect(linked['@acta/core']).toMatch(/^file:.*core$/)
    const ranged = (await json(published.root, 'services/hello/package.json')).dependencies as Record<
      string,
      string
    >
    expect(ranged['@acta/service']).toBe('^1.2.0')
  })

  it("uses this repository's versions of vitest, tsx, typescript and @types/node", async () => {
    // Given
    const repository = JSON.parse(
      await readFile(new URL('../../../../package.json', import.meta.url), 'utf8'),
    ) as {
      devDependencies: Record<string, string>
    }
    const { root } = await newProject()
    // Then
    const tools = (await json(root, 'package.json')).devDependencies as Record<string, string>
    for (const tool of ['vitest', 'tsx', 'typescript', '@types/node'] as const) {
      expect(toolVersions[tool]).toBe(repository.devDependencies[tool])
      expect(tools[tool]).toBe(repository.devDependencies[tool])
    }
  })

  it('refuses a folder that is not empty', async () => {
    // Given
    const { root } = await newProject()
    // Then
    await expect(createProject({ dir: root })).rejects.toThrow(/not empty/)
  })
})

describe('acta service add', () => {
  it('scaffolds the service, adds it and its routes to acta.json and to nginx.conf', async () => {
    // Given
    const { root } = await newProject()
    // When
    const added = await addUnit(await loadProject(root), {
      kind: 'service',
      name: 'todo-write',
      paths: ['/api/v1/todo/'],
      methods: ['POST'],
    })
    // Then
    expect(added.files).toContain(join('services', 'todo-write', 'src', 'todo-decider.ts'))
    const { project } = await loadProject(root)
    expect(project.services['todo-write']).toEqual({
      kind: 'service',
      dir: 'services/todo-write',
      entry: 'src/main.ts',
      replicas: 1,
      port: 9011,
      routes: [
        { methods: ['POST'], path: '/api/v1/todo' },
        { methods: ['POST'], path: '/api/v1/todo/*' },
      ],
      env: {},
    })
    const service = await read(root, 'services/todo-write/src/service.ts')
    expect(service).toContain("r.command('POST', '/api/v1/todo', {")
    expect(service).toContain("r.command('POST', '/api/v1/todo/:id', {")
    const nginx = await read(root, 'gateway/nginx.conf')
    expect(nginx).toContain('listen 9000')
    expect(nginx).toContain(`"~^(?:POST):/api/v1/todo/.*$" acta_todo-write;`)
    expect(nginx).toContain('127.0.0.1:9011')
  })

  it.each([
    ['an existing name', { name: 'hello', paths: ['/x'] }, /exists already/],
    ['an invalid name', { name: 'Todo_Write', paths: ['/x'] }, /not a valid unit name/],
    ['a path not starting with /', { name: 'todo', paths: ['api/todo'] }, /must start with \//],
    [
      'a route another unit has',
      { name: 'greeter', paths: ['/hello/'], methods: ['POST'] },
      /POST \/hello \(of hello\)/,
    ],
    ['no path', { name: 'todo', paths: [] }, /at least one --path/],
    ['an unknown method', { name: 'todo', paths: ['/x'], methods: ['FETCH'] }, /Unknown method "FETCH"/],
    ['a taken port', { name: 'todo', paths: ['/x'], port: 9001 }, /taken by hello/],
  ])('refuses %s and writes nothing', async (_case, options, message) => {
    // Given
    const { root } = await newProject()
    const before = await read(root, 'acta.json')
    // When
    const adding = addUnit(await loadProject(root), { kind: 'service', ...options })
    // Then
    await expect(adding).rejects.toThrow(message)
    await expect(adding).rejects.toBeInstanceOf(CliError)
    expect(await read(root, 'acta.json')).toBe(before)
    expect(existsSync(join(root, 'services', options.name))).toBe(options.name === 'hello')
  })

  it('lets another method share a path', async () => {
    // Given
    const { root } = await newProject()
    // When
    await addUnit(await loadProject(root), {
      kind: 'service',
      name: 'greeter',
      paths: ['/hello/'],
      methods: ['DELETE'],
    })
    // Then
    expect((await loadProject(root)).project.services.greeter?.routes[0]).toEqual({
      methods: ['DELETE'],
      path: '/hello',
    })
  })
})

describe('acta projection add and process-manager add', () => {
  it.each([
    ['projection', 'services/todo-list/src/todo-list-projection.ts', "name: 'todo_list'"],
    ['process-manager', 'services/todo-list/src/todo-list-process.ts', "name: 'todo_list'"],
  ] as const)('scaffolds a %s without routes', async (kind, file, content) => {
    // Given
    const { root } = await newProject()
    // When
    await addUnit(await loadProject(root), { kind, name: 'todo-list' })
    // Then
    expect(await read(root, file)).toContain(content)
    expect(await read(root, 'services/todo-list/src/service.ts')).toContain(
      'openReadStores(ctx.config.databaseUrl)',
    )
    expect((await loadProject(root)).project.services['todo-list']).toMatchObject({
      kind,
      routes: [],
      port: 9011,
    })
  })

  it('refuses routes for a projection', async () => {
    const { root } = await newProject()
    await expect(
      addUnit(await loadProject(root), { kind: 'projection', name: 'list', paths: ['/x'] }),
    ).rejects.toThrow(/has no gateway routes/)
  })
})

describe('templates', () => {
  it('fills placeholders and refuses a missing value', () => {
    expect(renderTemplate('{{a}}-${{{b}}Id}', { a: 'x', b: 'todo' })).toBe('x-${todoId}')
    expect(() => renderTemplate('{{missing}}', {})).toThrow(/no value for \{\{missing\}\}/)
  })
})
