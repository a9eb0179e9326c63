export { defineService } from './define-service.js'
export type { ServiceDefinition } from './define-service.js'
export { startService } from './start-service.js'
export type { RunningService, StartOptions } from './start-service.js'
export { runService } from './run-service.js'
export type { RunServiceOptions } from './run-service.js'
export type { Context, ServiceContext } from './context.js'
export { defaultConfig, loadConfig } from './config.js'
export type { LogLevel, ServiceConfig } from './config.js'
export { openInfrastructure } from './infrastructure.js'
export type { Infrastructure } from './infrastructure.js'
export { isHttpResponse, response } from './routes.js'
export type {
  CommandRouteOptions,
  CommandSuccess,
  Handler,
  HttpMethod,
  HttpResponse,
  PathParams,
  QueryRouteOptions,
  QueryValues,
  RawBody,
  RawBodyValue,
  RouteBuilder,
  RouteDefinition,
  RouteInput,
  RouteOptions,
  ServiceRequest,
  WebsocketConnection,
  WebsocketHandlers,
} from './routes.js'
export type {
  LogHandler,
  LogSubscriptionOptions,
  MessageHandler,
  RunningSubscription,
  SubscriptionBuilder,
  SubscriptionDefinition,
  SubscriptionRuntime,
} from './subscriptions.js'
export { HttpProblem, isHttpProblem, statusByCode } from './problem.js'
export type { InputIssue, ProblemDetails } from './problem.js'
export type { Readiness } from './readiness.js'
export { queueMetrics } from './queue-metrics.js'
export { readSideMetrics } from './read-side-metrics.js'
export { openReadStores } from './read-stores.js'
export type { ReadStores } from './read-stores.js'
export { reportListening, spawnService, spawnServices } from './spawn-service.js'
export type { SpawnServiceOptions, SpawnedService } from './spawn-service.js'
export { stopOnSignals } from './stop-on-signals.js'
export type { StopOnSignalsOptions } from './stop-on-signals.js'
export { databaseTarget, resolveLocalUrls } from './database-url.js'
export type { DatabaseTarget } from './database-url.js'
