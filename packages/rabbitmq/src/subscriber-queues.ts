/**
 * A named broadcast subscriber's queue (`subscriber.<id>`) expires after `subscriberExpiresMs`
 * without use, so that the queue of a replica that is gone for good does not fill up forever. RabbitMQ
 * counts every declare, passive ones too, as use: reading its counts from a dashboard or a metrics
 * scrape would keep an abandoned subscriber's queue (and its backlog) alive for ever. So `queues()`
 * leaves these queues out on RabbitMQ, and does not read their parked queues either.
 */
export const isSubscriberQueue = (logical: string): boolean => logical.startsWith('subscriber.')
