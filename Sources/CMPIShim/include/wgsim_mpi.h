// The few MPI operations a split run needs (docs/mpi.md), on MPI_COMM_WORLD, as plain C functions
// Swift can call: no MPI type appears here. Every function returns MPI_SUCCESS (0) or an MPI
// error code; MPI's default error handler aborts the job on errors before most of them return.
//
// A process waiting in a collective spins by default; with more processes than free cores (a
// shared machine, `--oversubscribe`) a spinning process takes the core the process it waits for
// needs (a split run measured here spent half its CPU spinning). `wgsim_mpi_init` therefore sets
// Open MPI's `mpi_yield_when_idle` (unless the environment sets it already), and each collective
// here is made of non-blocking point-to-point messages waited for by polling, yielding, for the
// first 2 ms (a busy window's usual wait) and then with growing sleeps between polls (wgsim_mpi.c,
// `wait_all`): a long wait then takes almost no CPU (sched_yield alone, with no sleeps, cost 1-5 s
// of system time per process in a 50-second run).
#ifndef WGSIM_MPI_H
#define WGSIM_MPI_H
#include <stdint.h>

int wgsim_mpi_init(void);
int wgsim_mpi_finalize(void);
/// Returns once every process has called it.
int wgsim_mpi_barrier(void);
int wgsim_mpi_rank(void);
int wgsim_mpi_size(void);
/// Stops every process of the job with `code` (MPI_Abort); does not return.
void wgsim_mpi_abort(int code);
/// Every process sends each other process r its part (`send_counts[r]` bytes at `send_offsets[r]`,
/// possibly none) and receives each other's part for it, whatever its size (read from the message
/// itself, so no round of sizes goes first). The parts received are returned one after the
/// other, by rank, in `*receive` (malloc'd; the caller frees it), `receive_counts[r]` bytes each
/// (0 for this process's own rank). While it waits for the others' parts it calls `idle`
/// (when not NULL) with `idle_context`, as long as that returns nonzero (it did some work).
int wgsim_mpi_exchange_sized(const uint8_t *send, const int32_t *send_counts, const int32_t *send_offsets,
                             uint8_t **receive, int32_t *receive_counts, int (*idle)(void *), void *idle_context);
/// Process 0 learns every process's count (`counts` is read only there).
int wgsim_mpi_gather_counts(int32_t count, int32_t *counts);
/// Process 0 receives every process's bytes, at `offsets[r]` of `receive` (only read there).
int wgsim_mpi_gatherv(const uint8_t *send, int32_t count, uint8_t *receive, const int32_t *counts,
                      const int32_t *offsets);
/// `count` bytes of process 0's `buffer` copied into every process's.
int wgsim_mpi_broadcast(uint8_t *buffer, int32_t count);
#endif
