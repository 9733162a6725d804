// Runs the ChallengeStore conformance suite on the in-memory table (PostgreSQL's run is in postgres/).
import { MemoryChallengeStore } from '../../src/store/memory/memory-challenge-store.js';
import { runChallengeStoreConformance } from './challenge-store.conformance.js';

runChallengeStoreConformance('memory', (lifetimeMs) => new MemoryChallengeStore(lifetimeMs));
