export {
  ActaError,
  ConcurrencyError,
  NotFoundError,
  ValidationError,
  isActaError,
  isConcurrencyError,
} from './errors.js'
export type { ErrorCode } from './errors.js'
export type {
  Command,
  Event,
  EventType,
  Metadata,
  NewEvent,
  StoredEvent,
  StoredMetadata,
} from './messages.js'
export { isUuid, uuidv7 } from './ids.js'
export type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedVersion,
  ReadAllOptions,
  ReadCorrelationOptions,
  ReadStreamOptions,
  ReadStreamResult,
  SaveSnapshot,
  Snapshot,
  StreamInfo,
  SubscribeOptions,
  Subscription,
} from './event-store.js'
export {
  assertStreamId,
  checkExpectedVersion,
  maxEventTypeLength,
  maxStreamIdLength,
  normalizeExpectedVersion,
  prepareAppend,
  toJson,
} from './append-validation.js'
export type { PreparedAppend, PreparedEvent } from './append-validation.js'
export { ChangeSignal } from './change-signal.js'
export { defaultBatchSize, logSubscription, readAllPages } from './log-reader.js'
export type { FetchAfter, LogSubscriptionOptions } from './log-reader.js'
export {
  appendResult,
  defaultCorrelationLimit,
  maxCorrelationLimit,
  sliceStream,
  validateCorrelationRead,
  validateReadStreamOptions,
  validateSnapshot,
} from './store-helpers.js'
export { assertDuplicate, memoryEventStore } from './memory-event-store.js'
export type { MemoryEventStoreOptions } from './memory-event-store.js'
export { upcastingEventStore } from './upcasting.js'
export type { Upcaster, UpcastingOptions } from './upcasting.js'
export { decidedEvents, evolveAll } from './decider.js'
export type { Decider } from './decider.js'
export { commandHandler } from './command-pipeline.js'
export type {
  CommandContext,
  CommandHandlerOptions,
  CommandResult,
  DefaultStages,
  HandleOptions,
  Stage,
} from './command-pipeline.js'
export type {
  ConsumeOptions,
  Consumer,
  DeadLetter,
  QueueStatus,
  IncomingMessage,
  MessageHandler,
  MessageHeaders,
  OutgoingMessage,
  RequestHandler,
  RequestOptions,
  SubscribeTopicsOptions,
  Transport,
} from './transport.js'
export { memoryTransport } from './memory-transport.js'
export {
  assertName,
  backoffMs,
  errorReply,
  groupQueue,
  normalizeConsumeOptions,
  prepareOutgoing,
  replyError,
  rpcQueue,
  topicMatcher,
} from './transport-helpers.js'
export type { Prepared } from './transport-helpers.js'
export { nameBasedUuid } from './ids.js'
export { memoryCoordination } from './coordination.js'
export type { CheckpointInfo, CheckpointStore, InboxStore, LeaseInfo, LeaseStore } from './coordination.js'
export {
  defaultEventTopic,
  eventToMessage,
  messageToEvent,
  streamCategory,
  topicWord,
} from './event-messages.js'
export { startOutboxRelay } from './outbox-relay.js'
export { consumerKind, consumerStatus } from './consumer-status.js'
export type { ConsumerKind, ConsumerStatus, ConsumerStatusOptions } from './consumer-status.js'
export type { OutboxRelay, OutboxRelayOptions, RelayState, RelayStatus } from './outbox-relay.js'
export { commandBus } from './command-bus.js'
export type { CommandBus, CommandBusHandler, CommandBusOptions, ServeOptions } from './command-bus.js'
export { rpcClient } from './rpc-client.js'
export type { BreakerState, CallOptions, RpcClient, RpcClientOptions } from './rpc-client.js'
export type {
  Collection,
  CollectionOptions,
  Document,
  DocumentStore,
  DocumentTransaction,
  FindOptions,
  ProjectionCheckpoint,
  Where,
} from './document-store.js'
export { collectionNamePattern, fieldPathPattern } from './document-store.js'
export {
  assertCheckpointName,
  assertCollectionName,
  assertDocument,
  assertDocumentId,
  assertFieldPath,
  assertPosition,
  cloneDocument,
  compareCodePoints,
  compareValues,
  documentJson,
  fencedCheckpoint,
  fieldValue,
  matchesWhere,
  mergePatch,
  validateCollectionOptions,
  validateFindOptions,
  validateWhere,
} from './document-helpers.js'
export { memoryDocumentStore } from './memory-document-store.js'
export {
  assertScheduleDate,
  memoryScheduleStore,
  scheduleListLimit,
  scheduleListPrefix,
  validateClaimOptions,
  validateScheduleRequest,
} from './schedule-store.js'
export type {
  ScheduleListOptions,
  ScheduleRequest,
  ScheduleStatus,
  ScheduleStore,
  ScheduledEntry,
  ScheduledPayload,
} from './schedule-store.js'
export { scheduledCommand, startScheduler } from './scheduler.js'
export type {
  Scheduler,
  SchedulerErrorContext,
  SchedulerOptions,
  SchedulerState,
  SchedulerStatus,
} from './scheduler.js'
export { eventDispatcher } from './event-dispatcher.js'
export type {
  AsyncListenerError,
  EventDispatcher,
  EventDispatcherOptions,
  EventListener,
  EventOfType,
  ListenerMode,
  ListenerStats,
  ListenOptions,
} from './event-dispatcher.js'
export { buildCollectionName, buildName, defineProjection, eventFilter } from './projection.js'
export type {
  ProjectionContext,
  ProjectionDefinition,
  ProjectionHandler,
  ProjectionHandlers,
  ProjectionSource,
} from './projection.js'
export { buildsCollection, controlsCollection, parkedCollection } from './projection-build.js'
export type { BuildRecord, ControlRecord, FailureReport, ParkedEvent } from './projection-build.js'
export { createReadSide } from './read-side.js'
export { readSideAdmin } from './read-side-admin.js'
export type {
  ReadSideAdmin,
  ReadSideAdminOptions,
  RebuildOutcome,
  WatchRebuildOptions,
} from './read-side-admin.js'
export { runnersCollection } from './runner-heartbeat.js'
export type { RunnerRecord } from './runner-heartbeat.js'
export type {
  BuildStatus,
  ProjectionStatus,
  ReadSide,
  ReadSideOptions,
  RebuildProgress,
  RunnerKind,
  RunnerState,
} from './read-side-types.js'
export { rateMeter } from './rate-meter.js'
export type { RateMeter } from './rate-meter.js'
export { defineProcessManager } from './process-manager.js'
export type {
  ProcessManagerDefinition,
  ProcessManagerOutcome,
  ProcessManagerRuntime,
  ProcessState,
} from './process-manager.js'
export { inMemoryReadModel } from './in-memory-read-model.js'
export type { InMemoryReadModel, InMemoryReadModelOptions } from './in-memory-read-model.js'
export { defineEventLog, eventLogFilter, queryEventLog } from './event-log.js'
export type { EventLogEntry, EventLogOptions, EventLogQuery } from './event-log.js'
