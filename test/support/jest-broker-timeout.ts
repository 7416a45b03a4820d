// Broker-backed tests wait on real I/O (topic creation, consumers); give them room.
jest.setTimeout(120_000);
