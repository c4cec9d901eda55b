// @kassa/kafka: a real Apache Kafka broker for tests and `kassa dev --bus kafka`, fetched from
// Maven Central with Maven and run on the machine's Java (see README.md).
export {
  DEFAULT_JVM_OPTIONS,
  type KafkaBroker,
  type KafkaBrokerOptions,
  startKafkaBroker,
} from './broker.ts';
export {
  brokerPom,
  javaMajorVersion,
  type KafkaRuntime,
  KafkaUnavailableError,
  kafkaRuntime,
  kafkaVersion,
} from './maven.ts';
