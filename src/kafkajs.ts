/** The `kafka-wire/kafkajs` entry point (see kafkajs/index.ts). */
export * from './kafkajs/index';
