#include "wgsim_mpi.h"
#include <mpi.h>

int wgsim_mpi_init(void) { return MPI_Init(NULL, NULL); }

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

int wgsim_mpi_barrier(void) { return MPI_Barrier(MPI_COMM_WORLD); }

int wgsim_mpi_allreduce_int64(int64_t value, int max, int64_t *result) {
    return MPI_Allreduce(&value, result, 1, MPI_INT64_T, max ? MPI_MAX : MPI_MIN, MPI_COMM_WORLD);
}

int wgsim_mpi_alltoall_counts(const int32_t *send_counts, int32_t *receive_counts) {
    return MPI_Alltoall(send_counts, 1, MPI_INT32_T, receive_counts, 1, MPI_INT32_T, MPI_COMM_WORLD);
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
