"""Virtual BMCs at scale (issue 20): 200 BMCs in one bmcd process, from a
fleet file, each on its own domain of a libvirt test:///FILE node, each
on its own UDP port.  Every one answers `ipmitool -I lanplus chassis power
status` with its own domain's state, and a sample answers FreeIPMI's
ipmi-chassis (host list, 127.0.0.1:PORT each).  The bench with figures is
bench/virtbench."""

import concurrent.futures
import json
import re

import conftest
from conftest import BMCD, HOST, Bmcd, ok, run
from test_virt import consecutive_udp_ports, node_xml, virt_board, write_board

N = 200
RUNNING = {1, 17, 64, 150, 199}


def test_fleet_of_200(tmp_path, monkeypatch):
    names = [f"vm{i}" for i in range(N)]
    uri = node_xml(tmp_path / "node.xml", names, running={names[i] for i in RUNNING})
    ports = consecutive_udp_ports(N)
    # The fleet: entries 1..N-1 from one board file; the --board BMC is vm0.
    write_board(tmp_path, virt_board(uri, "vm1", "vm"), "vm.json")
    fleet = {"instances": [{"name": names[i], "board": "vm.json", "state": f"state/{names[i]}",
                            "listen": f"{HOST}:{ports[i]}", "uri": uri, "domain": names[i]}
                           for i in range(1, N)]}
    (tmp_path / "fleet.json").write_text(json.dumps(fleet))
    r = run([str(BMCD), "--check-config", "--fleet", str(tmp_path / "fleet.json")], timeout=60)
    assert r.ok, r
    # 200 BMCs (and ASan) take longer than one to be ready.
    monkeypatch.setattr(conftest, "READY_TIMEOUT", 90.0)
    main = Bmcd(board=write_board(tmp_path, virt_board(uri, "vm0", "vm0"), "main.json"),
                port=ports[0], workdir=tmp_path / "main",
                extra_args=["--fleet", str(tmp_path / "fleet.json")])
    main.start()
    try:
        env = main.client_env()

        def status(i):
            r = run(["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(ports[i]), "-U", "admin",
                     "-P", "password", "-N", "2", "-R", "3", "chassis", "power", "status"],
                    timeout=60, env=env)
            m = re.search(r"Chassis Power is (\w+)", r.out)
            return m.group(1) if m else r

        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            states = list(ex.map(status, range(N)))
        want = ["on" if i in RUNNING else "off" for i in range(N)]
        wrong = [(i, s, w) for i, (s, w) in enumerate(zip(states, want)) if s != w]
        assert not wrong, wrong[:5]

        # FreeIPMI: one ipmi-chassis run over a host list of 10 of them.
        sample = [0, 1, 2, 17, 64, 99, 150, 151, 198, 199]
        r = ok(run(["ipmi-chassis", "-h", ",".join(f"{HOST}:{ports[i]}" for i in sample),
                    "-u", "admin", "-p", "password", "-D", "LAN_2_0", "-I", "3", "-W", "none",
                    "-l", "ADMIN", "--session-timeout=10000", "--retransmission-timeout=1000",
                    "--always-prefix", "--get-status"], timeout=120, env=env))
        got = dict(re.findall(r"^127\.0\.0\.1:(\d+): System Power\s*: (\w+)", r.out, re.M))
        assert got == {str(ports[i]): want[i] for i in sample}, r

        # Each BMC drives its own domain only.
        ok(run(["ipmitool", "-I", "lanplus", "-H", HOST, "-p", str(ports[123]), "-U", "admin",
                "-P", "password", "chassis", "power", "on"], env=env))
        handle = Bmcd(port=ports[123], workdir=tmp_path / "c123")
        handle.wait_power("on")
        assert [status(i) for i in (122, 124, 150)] == ["off", "off", "on"]
    finally:
        main.stop_and_check()
