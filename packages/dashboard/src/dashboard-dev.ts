// `npm run -w @acta/dashboard dev`: the admin service over seeded data, for trying the dashboard by hand.
import { startDashboardFixture } from './dashboard-fixture.js'

const fixture = await startDashboardFixture({ port: Number(process.env.PORT ?? 4300), logLevel: 'info' })
console.log(`\nActa dashboard (seeded fixture): ${fixture.appUrl}#token=${fixture.token}\n`)
const stop = () => {
  fixture.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error)
      process.exit(1)
    },
  )
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
