export { adminService } from './admin-service.js'
export type { AdminServiceOptions, ServicesStatus } from './admin-service.js'
export { bearerToken, minTokenLength, requireToken, tokenMatches } from './admin-token.js'
export { eventJson, matchesFilter } from './event-json.js'
export type { EventJson, LogFilter, LogPage, StreamPage } from './event-json.js'
export { readLogPage, readLogTail, readStreamPage, scanBudget } from './log-routes.js'
export { messageFlow } from './message-flow.js'
export type { FlowCommand, FlowEdge, MessageFlow } from './message-flow.js'
export { processInstances, readSideRoutes, timerScanLimit } from './read-side-routes.js'
export type { ProcessInstanceJson, ReadSideResources, TimerJson } from './read-side-routes.js'
export { consumerJson, consumerRoutes } from './consumer-routes.js'
export type { ConsumerJson } from './consumer-routes.js'
export {
  buildDashboard,
  dashboardBuildState,
  dashboardDist,
  dashboardSources,
  ensureDashboardBuilt,
} from './build-dashboard.js'
export type { BuildDashboardOptions, DashboardBuildState } from './build-dashboard.js'
export { overviewSampler } from './overview-sampler.js'
export type { OverviewSample, OverviewSampler } from './overview-sampler.js'
export { adminServiceName, startAdminUnit, withAdminRoutes } from './admin-unit.js'
export type { AdminUnit } from './admin-unit.js'
