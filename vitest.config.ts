import { defaultServerConditions } from 'vite'
import { defineConfig } from 'vitest/config'

// Tests import workspace packages from their TypeScript sources through the
// `@acta/source` export condition, so `npm test` needs no build step.
const conditions = ['@acta/source', ...defaultServerConditions]
const resolve = { conditions }
const ssr = { resolve: { conditions } }

export default defineConfig({
  resolve,
  ssr,
  test: {
    projects: [
      {
        resolve,
        ssr,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'examples/*/src/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/*.e2e.test.ts', '**/node_modules/**'],
        },
      },
      {
        resolve,
        ssr,
        test: {
          name: 'integration',
          // one file at a time: PostgreSQL's gap-safe reads wait for every older running transaction
          // on the server, and the RabbitMQ fault tests restart the broker under everyone's feet
          fileParallelism: false,
          include: [
            'packages/*/src/**/*.int.test.ts',
            'examples/*/src/**/*.int.test.ts',
            'packages/*/src/**/*.e2e.test.ts',
            'examples/*/src/**/*.e2e.test.ts',
          ],
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
})
