"""A raw SOL console (IPMI 2.0 section 15) on top of rmcpclient.Console:
activates payload type 1, receives host output (ACKing every packet,
dropping retransmitted duplicates), sends characters and waits for their
ACK.  Lets the tests do what no real client does on purpose."""

import time

from rmcpclient import Console, RmcpError

PT_SOL = 0x01


class SolConsole(Console):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.out = bytearray()          # host output received, in order
        self.sol_seq = 0                # our last packet sequence number
        self.last_in = None             # (seq, len) of the last BMC packet
        self.acks = []                  # (ack seq, accepted, status) seen
        self.statuses = []
        self.dups = 0

    # ---- payload commands ----

    def activate(self, aux=0xC0):
        cc, data = self.request(0x06, 0x48, bytes([1, 1, aux, 0, 0, 0]))
        return cc, data

    def deactivate(self):
        return self.request(0x06, 0x49, bytes([1, 1, 0, 0, 0, 0]))

    # ---- SOL packets ----

    def sol(self, seq, ack=0, count=0, op=0, data=b"", **kw):
        return self.frame(PT_SOL, bytes([seq, ack, count, op]) + data, **kw)

    def handle(self, pkt):
        """Process one datagram; returns the SOL tuple or None."""
        r = self.unframe(pkt)
        if r is None or r[0] != PT_SOL or len(r[1]) < 4:
            return None
        p = r[1]
        seq, ack, count, status, data = p[0] & 0x0F, p[1] & 0x0F, p[2], p[3], p[4:]
        self.statuses.append(status)
        if ack:
            self.acks.append((ack, count, status))
        if seq:
            if self.last_in == (seq, len(data)):
                self.dups += 1
            else:
                self.out += data
                self.last_in = (seq, len(data))
            self.send(self.sol(0, seq, len(data)))
        return seq, ack, count, status, data

    def pump(self, until=None, timeout=2.0):
        """Receive and ACK until until(self) is true or timeout; returns it."""
        t_end = time.monotonic() + timeout
        while True:
            if until is not None and until(self):
                return True
            left = t_end - time.monotonic()
            if left <= 0:
                return until is None
            self.handle(self.recv(min(left, 0.2)))

    def write(self, data, op=0, timeout=0.3, tries=10):
        """Send characters (<= 255) in one packet; wait for its ACK.
        Returns the accepted count."""
        self.sol_seq = self.sol_seq % 15 + 1
        for _ in range(tries):
            self.send(self.sol(self.sol_seq, data=data, op=op))
            t_end = time.monotonic() + timeout
            while time.monotonic() < t_end:
                r = self.handle(self.recv(max(0.01, t_end - time.monotonic())))
                if r and r[1] == self.sol_seq:
                    return r[2]
        raise RmcpError("no ACK for SOL data")

    def type(self, text):
        data = text.encode() if isinstance(text, str) else text
        for i in range(0, len(data), 200):
            self.write(data[i:i + 200])

    def expect(self, needle, timeout=5.0, start=0):
        needle = needle.encode() if isinstance(needle, str) else needle
        pos = [start]

        def seen(c):
            # search only what arrived since the last look (linear in the output)
            found = c.out.find(needle, pos[0]) >= 0
            pos[0] = max(start, len(c.out) - len(needle) + 1)
            return found

        ok = self.pump(seen, timeout)
        if not ok:
            raise AssertionError(f"{needle!r} not seen in {timeout}s; tail: {bytes(self.out[-400:])!r}")
        return self.out.index(needle, start)
