import { webhookDeliverySuite } from './delivery-suite.ts';

// The webhook delivery tests of webhooks.test.ts on Kafka: the API relays the log to a topic of
// this file's own on the run's broker, and the workers consume it as the group `webhooks`.
webhookDeliverySuite('kafka');
