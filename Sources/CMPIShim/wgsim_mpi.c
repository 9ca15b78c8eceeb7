#include "wgsim_mpi.h"
#include <mpi.h>
#include <stdlib.h>

int wgsim_mpi_init(void) {
    // A process waiting in a collective gives its core up between polls instead of spinning,
    // unless the user chose otherwise (read by MPI_Init; see wgsim_mpi.h).
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    return MPI_Init(NULL, NULL);
}

int wgsim_mpi_finalize(void) { return MPI_Finalize(); }

int wgsim_mpi_rank(void) {
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

int wgsim_mpi_size(void) {
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

void wgsim_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

int wgsim_mpi_alltoall_int64(const int64_t *send, int64_t *receive, int32_t per_process) {
    return MPI_Alltoall(send, per_process, MPI_INT64_T, receive, per_process, MPI_INT64_T, MPI_COMM_WORLD);
}

int wgsim_mpi_alltoallv(const uint8_t *send, const int32_t *send_counts, const int32_t *send_offsets,
                        uint8_t *receive, const int32_t *receive_counts, const int32_t *receive_offsets) {
    return MPI_Alltoallv(send, send_counts, send_offsets, MPI_BYTE,
                         receive, receive_counts, receive_offsets, MPI_BYTE, MPI_COMM_WORLD);
}

int wgsim_mpi_gather_counts(int32_t count, int32_t *counts) {
    return MPI_Gather(&count, 1, MPI_INT32_T, counts, 1, MPI_INT32_T, 0, MPI_COMM_WORLD);
}

int wgsim_mpi_gatherv(const uint8_t *send, int32_t count, uint8_t *receive, const int32_t *counts,
                      const int32_t *offsets) {
    return MPI_Gatherv(send, count, MPI_BYTE, receive, counts, offsets, MPI_BYTE, 0, MPI_COMM_WORLD);
}

int wgsim_mpi_broadcast(uint8_t *buffer, int32_t count) {
    return MPI_Bcast(buffer, count, MPI_BYTE, 0, MPI_COMM_WORLD);
}
