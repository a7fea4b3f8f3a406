#ifndef PRECIS_TEST_PTY_H
#define PRECIS_TEST_PTY_H
#include <stddef.h>

/// Opens a pseudo-terminal pair for tests: returns the master fd (or -1) and writes the
/// slave's path into `path` (at most `size` bytes).
int precis_test_open_pty(char *path, size_t size);

#endif
