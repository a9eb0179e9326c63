export { rabbitmqTransport } from './rabbitmq-transport.js'
export type { RabbitmqTransport, RabbitmqTransportOptions } from './rabbitmq-transport.js'
export type { QueueType } from './topology.js'
export { probeRabbitmq } from './probe.js'
