#include "wgsim_mpi.h"
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int wgsim_mpi_init(void) {
    // Between polls inside Open MPI a waiting process gives its core up instead of spinning,
    // unless the user chose otherwise (read by MPI_Init; see wgsim_mpi.h).
    setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0);
    return MPI_Init(NULL, NULL);
}

static int64_t monotonic_ns(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

// Waits for `count` point-to-point operations by polling them: for the first `SPIN_NS` it polls
// without pause (with `mpi_yield_when_idle` each poll yields the core to any other runnable
// thread), then it sleeps between polls, each pause twice the last, from `FIRST_PAUSE_NS` up to
// `LONGEST_PAUSE_NS`. A pause is never much longer than the time already waited, so a wait ends
// at most about twice as late as the operations completed; a process waiting seconds (for process
// 0's merge, or for a process still loading) wakes a few hundred times a second, not millions.
// Open MPI's own blocking wait polls without sleeping: on a machine with fewer free cores than
// processes that stole the core of the very process being waited for (see wgsim_mpi.h).
//
// The collectives below are made of point-to-point messages (MPI_Isend/MPI_Irecv) rather than
// MPI-3's non-blocking collectives: waiting on MPI_Ialltoall this way hung a 3-process run here
// (Open MPI 4.1), while point-to-point progress under MPI_Testall is the library's plainest path.
// Every process calls the collectives in the same order, and MPI keeps messages between two
// processes with one tag in order, so each message meets the receive it was meant for.
// `SPIN_NS` covers the wait at a busy window's end, where one process waits for the other to
// finish its share of the window (a millisecond or two on the generated hub mesh): a sleep
// there woke up to twice as late as the message came, and the late process then made the other
// wait at the next window (docs/performance.md, "Session 12: the split run").
enum {
    SPIN_NS = 2000000,
    FIRST_PAUSE_NS = 10000,
    LONGEST_PAUSE_NS = 2000000,
};

enum { TAG_SIZED = 7001, TAG_GATHER_COUNTS, TAG_GATHERV, TAG_BROADCAST, TAG_BARRIER };

/// The pauses of one wait: none for its first `SPIN_NS`, then each twice the last, from
/// `FIRST_PAUSE_NS` up to `LONGEST_PAUSE_NS`.
struct backoff {
    int64_t started;
    long pause;
};

static struct backoff backoff_start(void) { return (struct backoff){ monotonic_ns(), FIRST_PAUSE_NS }; }

static void backoff_pause(struct backoff *b) {
    if (monotonic_ns() - b->started < SPIN_NS) return;
    struct timespec nap = { 0, b->pause };
    nanosleep(&nap, NULL);
    if (b->pause < LONGEST_PAUSE_NS) b->pause = b->pause * 2 > LONGEST_PAUSE_NS ? LONGEST_PAUSE_NS : b->pause * 2;
}

static int wait_all(int count, MPI_Request *requests) {
    struct backoff b = backoff_start();
    for (;;) {
        int done = 0;
        int status = MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE);
        if (status != MPI_SUCCESS || done) return status;
        backoff_pause(&b);
    }
}

/// Room for one send and one receive per process.
static MPI_Request *requests_for(int size) { return malloc(sizeof(MPI_Request) * 2 * (size_t)size); }

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

int wgsim_mpi_barrier(void) {
    int size = wgsim_mpi_size(), rank = wgsim_mpi_rank(), count = 0, status = MPI_SUCCESS;
    MPI_Request *requests = requests_for(size);
    if (!requests) return MPI_ERR_NO_MEM;
    for (int other = 0; other < size && status == MPI_SUCCESS; other++) {
        if (other == rank) continue;
        status = MPI_Irecv(NULL, 0, MPI_BYTE, other, TAG_BARRIER, MPI_COMM_WORLD, &requests[count++]);
        if (status == MPI_SUCCESS) status = MPI_Isend(NULL, 0, MPI_BYTE, other, TAG_BARRIER, MPI_COMM_WORLD, &requests[count++]);
    }
    if (status == MPI_SUCCESS) status = wait_all(count, requests);
    free(requests);
    return status;
}

int wgsim_mpi_finalize(void) {
    // Every process reaches this point before any finalizes: the wait sleeps, MPI_Finalize's
    // own synchronisation then finds every process there.
    int status = wgsim_mpi_barrier();
    int finalized = MPI_Finalize();
    return status != MPI_SUCCESS ? status : finalized;
}

void wgsim_mpi_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

int wgsim_mpi_gather_counts(int32_t count, int32_t *counts) {
    int size = wgsim_mpi_size(), rank = wgsim_mpi_rank(), posted = 0, status = MPI_SUCCESS;
    MPI_Request *requests = requests_for(size);
    if (!requests) return MPI_ERR_NO_MEM;
    if (rank == 0) {
        counts[0] = count;
        for (int other = 1; other < size && status == MPI_SUCCESS; other++)
            status = MPI_Irecv(&counts[other], 1, MPI_INT32_T, other, TAG_GATHER_COUNTS, MPI_COMM_WORLD, &requests[posted++]);
    } else {
        status = MPI_Isend(&count, 1, MPI_INT32_T, 0, TAG_GATHER_COUNTS, MPI_COMM_WORLD, &requests[posted++]);
    }
    if (status == MPI_SUCCESS) status = wait_all(posted, requests);
    free(requests);
    return status;
}

int wgsim_mpi_gatherv(const uint8_t *send, int32_t count, uint8_t *receive, const int32_t *counts,
                      const int32_t *offsets) {
    int size = wgsim_mpi_size(), rank = wgsim_mpi_rank(), posted = 0, status = MPI_SUCCESS;
    MPI_Request *requests = requests_for(size);
    if (!requests) return MPI_ERR_NO_MEM;
    if (rank == 0) {
        if (count > 0) memcpy(receive + offsets[0], send, (size_t)count);
        for (int other = 1; other < size && status == MPI_SUCCESS; other++) {
            if (counts[other] > 0)
                status = MPI_Irecv(receive + offsets[other], counts[other], MPI_BYTE, other, TAG_GATHERV, MPI_COMM_WORLD,
                                   &requests[posted++]);
        }
    } else if (count > 0) {
        status = MPI_Isend(send, count, MPI_BYTE, 0, TAG_GATHERV, MPI_COMM_WORLD, &requests[posted++]);
    }
    if (status == MPI_SUCCESS) status = wait_all(posted, requests);
    free(requests);
    return status;
}

int wgsim_mpi_broadcast(uint8_t *buffer, int32_t count) {
    int size = wgsim_mpi_size(), rank = wgsim_mpi_rank(), posted = 0, status = MPI_SUCCESS;
    if (count <= 0) return MPI_SUCCESS;   // every process knows the count: nothing to send
    MPI_Request *requests = requests_for(size);
    if (!requests) return MPI_ERR_NO_MEM;
    if (rank == 0) {
        for (int other = 1; other < size && status == MPI_SUCCESS; other++)
            status = MPI_Isend(buffer, count, MPI_BYTE, other, TAG_BROADCAST, MPI_COMM_WORLD, &requests[posted++]);
    } else {
        status = MPI_Irecv(buffer, count, MPI_BYTE, 0, TAG_BROADCAST, MPI_COMM_WORLD, &requests[posted++]);
    }
    if (status == MPI_SUCCESS) status = wait_all(posted, requests);
    free(requests);
    return status;
}

int wgsim_mpi_exchange_sized(const uint8_t *send, const int32_t *send_counts, const int32_t *send_offsets,
                             uint8_t **receive, int32_t *receive_counts, int (*idle)(void *), void *idle_context) {
    int size = wgsim_mpi_size(), rank = wgsim_mpi_rank(), count = 0, status = MPI_SUCCESS;
    *receive = NULL;
    MPI_Request *requests = requests_for(size);
    uint8_t **parts = calloc((size_t)size, sizeof *parts);
    char *matched = calloc((size_t)size, 1);
    if (!requests || !parts || !matched) { free(requests); free(parts); free(matched); return MPI_ERR_NO_MEM; }
    for (int other = 0; other < size && status == MPI_SUCCESS; other++) {
        receive_counts[other] = 0;
        if (other != rank)
            status = MPI_Isend(send + send_offsets[other], send_counts[other], MPI_BYTE, other, TAG_SIZED,
                               MPI_COMM_WORLD, &requests[count++]);
    }
    // Each other process's message is matched as soon as it is there (its size read from the
    // match), and received; the sends and receives are then waited for together.
    int unmatched = size - 1;
    struct backoff b = backoff_start();
    while (status == MPI_SUCCESS && unmatched > 0) {
        for (int other = 0; other < size && status == MPI_SUCCESS; other++) {
            if (other == rank || matched[other]) continue;
            int flag = 0, length = 0;
            MPI_Message message;
            MPI_Status probed;
            status = MPI_Improbe(other, TAG_SIZED, MPI_COMM_WORLD, &flag, &message, &probed);
            if (status != MPI_SUCCESS || !flag) continue;
            status = MPI_Get_count(&probed, MPI_BYTE, &length);
            if (status != MPI_SUCCESS) break;
            parts[other] = malloc(length > 0 ? (size_t)length : 1);
            if (!parts[other]) { status = MPI_ERR_NO_MEM; break; }
            receive_counts[other] = length;
            matched[other] = 1;
            unmatched--;
            status = MPI_Imrecv(parts[other], length, MPI_BYTE, &message, &requests[count++]);
        }
        if (status != MPI_SUCCESS || unmatched == 0) break;
        // Work the caller put off fills the wait (each call a small piece, so that a message
        // that came meanwhile is seen soon); the pauses begin only once there is none left.
        if (idle && idle(idle_context)) b = backoff_start();
        else backoff_pause(&b);
    }
    if (status == MPI_SUCCESS) status = wait_all(count, requests);
    if (status == MPI_SUCCESS) {
        size_t total = 0;
        for (int other = 0; other < size; other++) total += (size_t)receive_counts[other];
        *receive = malloc(total > 0 ? total : 1);
        if (!*receive) status = MPI_ERR_NO_MEM;
        size_t at = 0;
        for (int other = 0; other < size && status == MPI_SUCCESS; other++) {
            if (receive_counts[other] > 0) memcpy(*receive + at, parts[other], (size_t)receive_counts[other]);
            at += (size_t)receive_counts[other];
        }
    }
    for (int other = 0; other < size; other++) free(parts[other]);
    free(parts);
    free(matched);
    free(requests);
    return status;
}
