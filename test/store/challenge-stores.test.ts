// Runs the ChallengeStore conformance suite on the in-memory table (PostgreSQL's run is in postgres/).
import { ChallengeSessions } from '../../src/auth/challenge-sessions.js';
import { runChallengeStoreConformance } from './challenge-store.conformance.js';

runChallengeStoreConformance('memory', (lifetimeMs) => new ChallengeSessions(lifetimeMs));
