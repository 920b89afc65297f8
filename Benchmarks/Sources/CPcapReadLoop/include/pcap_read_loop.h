#ifndef DXEMU_PCAP_READ_LOOP_H
#define DXEMU_PCAP_READ_LOOP_H
#include <stdint.h>

/// Reads every record of `path` with pcap_next_ex and sums the first 34 bytes
/// of each (so the loop cannot be optimised away), exactly as
/// ../shared/peers/pcapread/pcapread.c does. Returns the number of records, or
/// -1 on error; `touch` receives the byte sum.
int64_t dxemu_pcap_read_loop(const char *path, uint64_t *touch);

#endif
