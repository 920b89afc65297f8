#ifndef DXEMU_CPCAP_SHIM_H
#define DXEMU_CPCAP_SHIM_H
#include <pcap/pcap.h>
#endif
