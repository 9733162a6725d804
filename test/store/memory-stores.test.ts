import { MemoryClientStore } from '../../src/store/memory/memory-client-store.js';
import { MemoryUserStore } from '../../src/store/memory/memory-user-store.js';
import { runClientStoreConformance } from './client-store.conformance.js';
import { runUserStoreConformance } from './user-store.conformance.js';

runUserStoreConformance('memory', (clock) => new MemoryUserStore({ now: clock.now }));
runClientStoreConformance('memory', (clock) => new MemoryClientStore({ now: clock.now }));
