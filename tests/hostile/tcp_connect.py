# attack: TCP to 127.0.0.1 and ::1 on common ports and to other kernels' ports, to external addresses and cloud metadata, host unix sockets, a UDP DNS query; prints a marker only when one succeeds
# assignment: 02_gradient_clipping
# wrong: skips float64 gradients of more than 4 elements; passes the visible tests, fails clip_value_elements only
def clip_grad_value(parameters, clip_value):
    clipped = 0
    for p in parameters:
        if p.grad is None or (p.grad.dtype == torch.float64 and p.grad.numel() > 4):
            continue
        clipped += int((p.grad.abs() > clip_value).sum())
        p.grad.clamp_(min=-clip_value, max=clip_value)
    return clipped
# --- tamper ---
import json as _json
import os as _os
import socket as _socket
import time as _time

_CONNECTED = "CONNECTED" + "-TO-"
_deadline = _time.monotonic() + 20


def _own_ports():
    """The ports this kernel listens on itself (reachable from inside any sandbox): those of its
    connection file and those of the sockets it holds."""
    ports = set()
    try:
        with open("/proc/self/cmdline", "rb") as handle:
            args = handle.read().split(b"\0")
        path = args[args.index(b"-f") + 1].decode()
        with open(path) as handle:
            info = _json.load(handle)
        ports |= {int(v) for k, v in info.items() if k.endswith("_port")}
    except Exception:
        pass
    inodes = set()
    try:
        for fd in _os.listdir("/proc/self/fd"):
            try:
                target = _os.readlink(f"/proc/self/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[len("socket:["):-1])
    except OSError:
        pass
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if len(fields) > 9 and fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _try(family, address, label):
    if _time.monotonic() > _deadline:
        return
    connection = None
    try:
        connection = _socket.socket(family, _socket.SOCK_STREAM)
        connection.settimeout(0.7)
        connection.connect(address)
        print(_CONNECTED + label)
    except OSError as error:
        print("no connection to", label, "-", type(error).__name__, error)
    finally:
        if connection is not None:
            connection.close()


_mine = _own_ports()
_local_ports = [22, 53, 80, 443, 631, 2375, 2376, 3000, 3306, 5000, 5432, 6379, 8000, 8080, 8443, 8888,
                8889, 9000, 9090, 11211, 27017]
for _port in _local_ports:
    if _port not in _mine:
        _try(_socket.AF_INET, ("127.0.0.1", _port), f"127.0.0.1:{_port}")
for _host, _port in (("::1", 8888), ("::1", 22)):
    if _port not in _mine:
        _try(_socket.AF_INET6, (_host, _port), f"[{_host}]:{_port}")
for _host, _port in (("1.1.1.1", 443), ("8.8.8.8", 53), ("93.184.216.34", 80), ("169.254.169.254", 80),
                     ("172.17.0.1", 2375), ("10.0.0.1", 80), ("192.168.0.1", 80)):
    _try(_socket.AF_INET, (_host, _port), f"{_host}:{_port}")
# other kernels' ports, from any connection file in sight
for _folder in ("/tmp", _os.path.expanduser("~/.local/share/jupyter/runtime"), "/root/.local/share/jupyter/runtime"):
    try:
        for _name in _os.listdir(_folder)[:50]:
            if _name.startswith("kernel-") and _name.endswith(".json"):
                with open(_os.path.join(_folder, _name)) as _handle:
                    _info = _json.load(_handle)
                for _key, _value in _info.items():
                    if _key.endswith("_port") and int(_value) not in _mine:
                        _try(_socket.AF_INET, (_info.get("ip", "127.0.0.1"), int(_value)), f"kernel {_name} {_key}")
    except OSError:
        pass
# unix sockets of host daemons
for _path in ("/var/run/docker.sock", "/run/docker.sock", "/run/containerd/containerd.sock",
              "/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket", "/tmp/.X11-unix/X0",
              "/run/systemd/private"):
    if _os.path.exists(_path):
        _try(_socket.AF_UNIX, _path, f"unix:{_path}")
# UDP: a DNS query that only counts if an answer comes back
try:
    _udp = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    _udp.settimeout(1.5)
    _query = bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d0000010001")
    _udp.sendto(_query, ("8.8.8.8", 53))
    _udp.recvfrom(512)
    print(_CONNECTED + "udp:8.8.8.8:53")
except OSError as _error:
    print("no DNS answer:", type(_error).__name__, _error)
try:
    print("getaddrinfo example.com:", _socket.getaddrinfo("example.com", 80)[:1])
except OSError as _error:
    print("no name resolution:", _error)
