/**
 * The contract between a data-parallel training program and the worker threads that run it.
 * A program module exports `createReplica(config, context)`; every worker builds one replica
 * from the same config, and the main thread calls its methods on all replicas at once (each with
 * its own shard of the batch) or on one of them (e.g. rank 0 for a checkpoint).
 */
export interface ReplicaContext {
  rank: number;
  size: number;
  /** Element-wise mean over all replicas; every replica must call it the same number of times. */
  allReduceMean(values: Float32Array): Float32Array;
}

export interface Replica {
  /** Length of the longest vector this replica will all-reduce (sizes the shared buffer). */
  readonly allReduceCapacity: number;
  /** Any other methods are callable from the main thread with one structured-clonable argument. */
  [method: string]: unknown;
}

export type CreateReplica<Config> = (config: Config, context: ReplicaContext) => Promise<Replica> | Replica;
