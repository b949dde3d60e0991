"""The host side of the BMC's KCS3 interface, played from outside the
emulated AST2600 through QMP, for a smoke test of bmcd's /dev/ipmi-kcsN
backend (the full host path is the KCS suite's x86 VM).

QEMU 7.2's LPC model: writing QOM idr3 stores the byte and sets IBF (and
raises the BMC's interrupt); reading odr3 returns the output byte and clears
OBF; str3 is the status register.  The C/D bit cannot be set from outside,
so each byte's C/D goes through the image's /etc/kcs-host-cd mailbox
(odr1 request, idr1 acknowledgement) first.  The host side of the KCS
protocol follows the IPMI 2.0 specification, section 9.
"""

import time

LPC = "/machine/soc/lpc"
WRITE_START, WRITE_END, READ = 0x61, 0x62, 0x68
STATE_IDLE, STATE_READ, STATE_WRITE, STATE_ERROR = 0, 1, 2, 3
OBF, IBF = 0x01, 0x02


class KcsHost:
    def __init__(self, qmp, timeout=10.0):
        self.qmp = qmp
        self.timeout = timeout
        self.seq = self._get("odr1") >> 1

    def _get(self, reg):
        return self.qmp.execute("qom-get", path=LPC, property=reg)

    def _set(self, reg, value):
        self.qmp.execute("qom-set", path=LPC, property=reg, value=value)

    def _until(self, what, fn):
        deadline = time.monotonic() + self.timeout
        while True:
            v = fn()
            if v:
                return v
            if time.monotonic() > deadline:
                raise TimeoutError(f"KCS: {what} (str3={self._get('str3'):#x})")
            time.sleep(0.01)

    def _cd(self, command):
        self.seq = (self.seq + 1) & 0x7FFF
        req = self.seq << 1 | int(command)
        self._set("odr1", req)
        self._until("C/D mailbox acknowledgement", lambda: self._get("idr1") == req)

    def _write(self, byte, command):
        self._until("IBF clear before writing", lambda: not self._get("str3") & IBF)
        self._cd(command)
        self._set("idr3", byte)

    def _read_obf(self):
        self._until("OBF", lambda: self._get("str3") & OBF)
        return self._get("odr3")

    def transact(self, request):
        """request: bytes [netfn<<2|lun, cmd, data...]; returns the response bytes."""
        self._write(WRITE_START, True)
        self._read_obf()                      # dummy byte: the BMC is in write state
        for b in request[:-1]:
            self._write(b, False)
            self._read_obf()
        self._write(WRITE_END, True)
        self._read_obf()
        self._write(request[-1], False)
        response = []
        while True:
            b = self._read_obf()
            state = self._get("str3") >> 6
            if state == STATE_READ:
                response.append(b)
                self._write(READ, False)
            elif state == STATE_IDLE:
                return bytes(response)
            else:
                raise RuntimeError(f"KCS: state {state} while reading (str3={self._get('str3'):#x})")
