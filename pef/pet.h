/* SPDX-License-Identifier: MIT */
/*
 * Platform Event Traps (PET 1.0): SNMPv1 traps built with net-snmp's
 * libnetsnmp (BER encoding only: no sessions, no MIBs, no config files)
 * and sent from bmcd's own non-blocking UDP socket.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct pef;

/* Send a trap for event rec to LAN alert destination 'dest'.  0 when it
 * left, -errno when the destination is not usable (not a PET destination,
 * no address) or sendto failed.  Acknowledged destinations are retried. */
int pet_send(struct pef *pef, uint8_t dest, const uint8_t rec[16], uint8_t severity, bool immediate);
/* PET Acknowledge: true when it matched a trap waiting for one. */
bool pet_acknowledge(struct pef *pef, uint16_t seq, uint32_t timestamp);
void pet_done(struct pef *pef);
