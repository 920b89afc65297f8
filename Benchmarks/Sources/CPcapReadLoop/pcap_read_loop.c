#include "pcap_read_loop.h"
#include <pcap/pcap.h>

int64_t dxemu_pcap_read_loop(const char *path, uint64_t *touch) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, err);
    if (!p) return -1;
    struct pcap_pkthdr *h;
    const u_char *d;
    int64_t packets = 0;
    uint64_t sum = 0;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        packets++;
        for (unsigned i = 0; i < h->caplen && i < 34; i++) sum += d[i];
    }
    pcap_close(p);
    *touch = sum;
    return rc == PCAP_ERROR_BREAK ? packets : -1;
}
