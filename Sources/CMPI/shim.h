// Open MPI's C interface (libopenmpi-dev); Swift reaches it through CMPIShim, since handles such
// as MPI_COMM_WORLD are macros over library symbols that Swift cannot import.
#include <mpi.h>
