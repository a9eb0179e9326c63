import { fileURLToPath } from 'node:url'
export { keyValueService, runKeyValue, startKeyValue } from './key-value-service.js'
export type { KeyValueOptions } from './key-value-service.js'
export type { KeyValueResources } from './value-routes.js'
export { fleetRouteTable, startFleet } from './fleet.js'
export type { Fleet, FleetOptions, FleetReplica } from './fleet.js'
export { channels } from './channels.js'
export type { Channels } from './channels.js'
export { keyValue, keyProblem, maxKeyLength, streamOf, valueProblem } from './key-value.js'
export type {
  DeleteValue,
  PutValue,
  ValueCommand,
  ValueEvent,
  ValueHasBeenDeleted,
  ValueHasBeenPut,
} from './key-value.js'
export type { LiveFrame } from './live-frames.js'

/** The `npm start` program (a fleet behind the gateway), for running it as a child process. */
export const fleetProgram = fileURLToPath(new URL('./start.ts', import.meta.url))
