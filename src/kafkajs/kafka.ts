/**
 * kafkajs's `Kafka` client object: the shared config (brokers, TLS, SASL, timeouts, retry,
 * logging) that producer() turns into kafka-wire producer options.
 */
import type { ProducerOptions, SaslOptions, SaslPasswordMechanism } from '../producer/config';
import { logLevel } from './constants';
import { KafkaJSNonRetriableError, KafkaJSNotImplemented } from './errors';
import { FacadeLogger } from './logger';
import { Producer } from './producer';
import type { KafkaConfig, OAuthBearerSASLOptions, PasswordSASLOptions, ProducerConfig, RetryOptions, SASLOptions } from './types';

const SASL_MECHANISMS: ReadonlyMap<string, SaslPasswordMechanism> = new Map([
  ['plain', 'PLAIN'],
  ['scram-sha-256', 'SCRAM-SHA-256'],
  ['scram-sha-512', 'SCRAM-SHA-512'],
]);

export class Kafka {
  private readonly config: KafkaConfig;
  private readonly rootLogger: FacadeLogger;

  constructor(config: KafkaConfig) {
    if (config === null || typeof config !== 'object') throw new KafkaJSNonRetriableError('new Kafka() takes a config object: { clientId, brokers, ... }');
    const { brokers } = config;
    if (typeof brokers !== 'function' && typeof brokers !== 'string' && (!Array.isArray(brokers) || brokers.length === 0)) {
      throw new KafkaJSNonRetriableError(`Failed to connect: expected brokers array and got ${JSON.stringify(brokers)}`);
    }
    if (config.sasl !== undefined && config.sasl !== null) {
      const mechanism = String(config.sasl.mechanism ?? '').toLowerCase();
      if (mechanism === 'oauthbearer') {
        if (typeof (config.sasl as OAuthBearerSASLOptions).oauthBearerProvider !== 'function') {
          throw new KafkaJSNonRetriableError('SASL oauthbearer needs oauthBearerProvider: an async function returning { value }');
        }
      } else if (!SASL_MECHANISMS.has(mechanism)) {
        throw new KafkaJSNonRetriableError(`SASL ${String(config.sasl.mechanism)} is not supported: use plain, scram-sha-256, scram-sha-512 or oauthbearer`);
      }
    }
    if (config.socketFactory !== undefined) {
      throw new KafkaJSNonRetriableError('socketFactory is not supported: kafka-wire opens its own TCP or TLS sockets (use ssl for TLS options)');
    }
    this.config = config;
    this.rootLogger = FacadeLogger.create(config.logCreator, config.logLevel ?? logLevel.INFO);
  }

  producer(config: ProducerConfig = {}): Producer {
    const kafka = this.config;
    return new Producer(
      {
        clientId: kafka.clientId,
        retry: kafka.retry,
        connectionTimeout: kafka.connectionTimeout,
        logger: this.rootLogger,
        resolveBrokers: async () => {
          const b = typeof kafka.brokers === 'function' ? await kafka.brokers() : kafka.brokers;
          const list = typeof b === 'string' ? b.split(',').map((s) => s.trim()) : b;
          if (!Array.isArray(list) || list.length === 0) {
            throw new KafkaJSNonRetriableError(`Failed to connect: the brokers function returned ${JSON.stringify(list)}, not a list of host:port`);
          }
          return list;
        },
        wireOptions: (retry) => this.wireOptions(retry),
      },
      config,
    );
  }

  consumer(): never {
    throw new KafkaJSNotImplemented('kafka-wire is a producer: kafka-wire/kafkajs offers Kafka.producer() only');
  }

  admin(): never {
    throw new KafkaJSNotImplemented('kafka-wire is a producer: kafka-wire/kafkajs offers Kafka.producer() only');
  }

  logger(): FacadeLogger {
    return this.rootLogger;
  }

  /** The kafka-wire options the Kafka config sets; a producer's `retry` overrides the Kafka one, field by field. */
  private wireOptions(producerRetry: RetryOptions | undefined): Partial<ProducerOptions> {
    const c = this.config;
    const retry: RetryOptions = { ...c.retry, ...producerRetry };
    return {
      ssl: c.ssl === false ? undefined : c.ssl,
      sasl: c.sasl ? saslOptions(c.sasl) : undefined,
      socketConnectionSetupTimeoutMs: c.connectionTimeout,
      requestTimeoutMs: c.requestTimeout,
      retryBackoffMs: retry.initialRetryTime,
      retryBackoffMaxMs: retry.maxRetryTime,
      retries: retry.retries,
    };
  }
}

/** kafkajs's sasl as kafka-wire's: the provider is passed on as it is (its { value } is a token kafka-wire takes). */
function saslOptions(s: SASLOptions): SaslOptions {
  if (String(s.mechanism).toLowerCase() === 'oauthbearer') {
    return { mechanism: 'OAUTHBEARER', oauthBearerProvider: (s as OAuthBearerSASLOptions).oauthBearerProvider };
  }
  const p = s as PasswordSASLOptions;
  return { mechanism: SASL_MECHANISMS.get(String(p.mechanism).toLowerCase())!, username: p.username, password: p.password };
}
