export { eventStoreSuite } from './event-store-suite.js'
export type {
  CreateStoreOptions,
  EventStoreSuiteOptions,
  StoreUnderTest,
  SuiteContext,
} from './event-store-suite.js'
export { collect, eventually, expectActaError, sleep, take } from './event-store-assertions.js'
export { nginxBinary, serviceGate } from './service-gate.js'
export type { ServiceGate } from './service-gate.js'
export { chromiumExecutable, chromiumGate, freshPage, launchChromium } from './chromium-gate.js'
export { deciderSpec } from './decider-spec.js'
export type { DeciderThen } from './decider-spec.js'
export { parkMessage } from './park-message.js'
export { transportSuite } from './transport-suite.js'
export type { TransportSuiteOptions, TransportUnderTest } from './transport-suite.js'
export { coordinationSuite } from './coordination-suite.js'
export type { CoordinationSuiteOptions, CoordinationUnderTest } from './coordination-suite.js'
export { conformanceTests } from './conformance-tests.js'
export type { ConformanceTests } from './conformance-tests.js'
export { scheduleStoreSuite } from './schedule-store-suite.js'
export type { ScheduleStoreSuiteOptions, ScheduleStoreUnderTest } from './schedule-store-suite.js'
export { documentStoreSuite } from './document-store-suite.js'
export type { DocumentStoreSuiteOptions, DocumentSuiteContext } from './document-store-suite.js'
export { projectionSuite, tallyProjection } from './projection-suite.js'
export type { ProjectionInfrastructure, ProjectionSuiteOptions } from './projection-suite.js'
