// Runs the TransactionStore conformance suite on every adapter.
import { MemoryTransactionStore } from '../../src/store/memory/memory-transaction-store.js';
import { runTransactionStoreConformance } from './transaction-store.conformance.js';

runTransactionStoreConformance('memory', () => new MemoryTransactionStore());
