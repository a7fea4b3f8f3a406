#define _XOPEN_SOURCE 600
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include "test_pty.h"

int precis_test_open_pty(char *path, size_t size) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return -1;
    if (grantpt(master) != 0 || unlockpt(master) != 0) return -1;
    const char *name = ptsname(master);
    if (name == NULL || strlen(name) + 1 > size) return -1;
    strcpy(path, name);
    return master;
}
