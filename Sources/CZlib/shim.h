// zlib (Debian: zlib1g-dev), for reading gzip-compressed data files such as IDX.
#include <zlib.h>
